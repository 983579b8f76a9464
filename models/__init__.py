from . import credit_recovery_playbook  # mixin, before the stages and reasons that inherit it
from . import account_move
from . import credit_recovery_action
from . import credit_recovery_agreement
from . import credit_recovery_agreement_debt
from . import credit_recovery_agreement_entry
from . import credit_recovery_agreement_line
from . import credit_recovery_contact
from . import credit_recovery_contact_evidence
from . import credit_recovery_contact_record
from . import credit_recovery_contact_rules
from . import credit_recovery_contact_outcome
from . import credit_recovery_contact_window
from . import credit_recovery_debtor
from . import credit_recovery_debtor_aggregates
from . import credit_recovery_debtor_bureau
from . import credit_recovery_debtor_claim
from . import credit_recovery_debtor_evidence
from . import credit_recovery_dispatch
from . import credit_recovery_dispatch_delivery
from . import credit_recovery_dispatch_counting
from . import credit_recovery_evidence_chain
from . import credit_recovery_invoice
from . import credit_recovery_invoice_refresh
from . import credit_recovery_nonpayment_reason
from . import credit_recovery_policy
from . import credit_recovery_profile
from . import credit_recovery_promise
from . import credit_recovery_proposal_template
from . import credit_recovery_queue_job
from . import credit_recovery_run
from . import credit_recovery_run_plan
from . import credit_recovery_run_batch
from . import credit_recovery_stage
from . import ir_actions_report
from . import ir_attachment
from . import ir_http
from . import ir_module_module
from . import mail_activity
from . import mail_notification
from . import mail_template
from . import res_company
from . import res_partner
from . import resource_calendar_leaves
from . import credit_recovery_portal_token
from . import credit_recovery_portal_feedback
from . import credit_recovery_portal
from . import credit_recovery_portal_actions

# What the self-service page adds to other models, one file per model.
from . import credit_recovery_contact_portal
from . import credit_recovery_policy_portal
from . import res_company_portal
from . import res_partner_bank
from . import credit_recovery_agreement_portal
from . import credit_recovery_debtor_portal
from . import credit_recovery_dispatch_portal
from . import credit_recovery_debtor_portal_link
from . import credit_recovery_snapshot
from . import credit_recovery_kpi
from . import credit_recovery_kpi_dashboard
from . import credit_recovery_worklist
from . import credit_recovery_reason_analysis

# After credit_recovery_kpi_dashboard: its get_dashboard does not call super(), the experiments'
# override adds to it. After the dispatch and its delivery, whose template choice and sending it wraps.
from . import credit_recovery_experiment
