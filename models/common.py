"""Constants that several model, report and wizard files share: defined once here, never imported
from one model file into another (selections, field lists, batch sizes and SQL fragments of rules)."""

from odoo.tools import SQL

from ..tools import collection

# --- action
# What the skip rules need about an invoice (alias m), its state (s), its debtor (d) and its customer (p):
# shared by the planning (new pairs) and the delivery (planned actions, checked again).
# ``amount`` is what the message claims for the invoice: its overdue amount, or before the
# due date (a reminder) the open amount of the installment falling due.
CLAIM_AMOUNT = SQL(
    """CASE WHEN s.amount_overdue > 0 THEN s.amount_overdue
            ELSE (SELECT COALESCE(SUM(l.amount_residual), 0)
                    FROM account_move_line l JOIN account_account acc ON acc.id = l.account_id
                   WHERE l.move_id = m.id AND acc.account_type = 'asset_receivable' AND NOT l.reconciled
                     AND l.date_maturity = s.oldest_due_date) END"""
)

SKIP_REASONS = [
    (collection.SKIP_PRESCRIBED, "Prescribed debt (CC art. 206 §5 I)"),
    (collection.SKIP_PAID, "No longer overdue"),
    (collection.SKIP_SUPERSEDED, "Reached a later stage"),
    (collection.SKIP_EXCLUDED, "Excluded from collection"),
    (collection.SKIP_DISPUTE, "Disputed"),
    (collection.SKIP_PROMISE, "Open promise to pay"),
    (collection.SKIP_AGREEMENT, "Active agreement"),
    (collection.SKIP_DO_NOT_CONTACT, "Do not contact"),
    (collection.SKIP_OPT_OUT, "Opted out of the stage's channels"),
    (collection.SKIP_NO_ACTION, "Nothing to do at this stage"),
    (collection.SKIP_AGENCY, "With a collection agency"),
    (collection.SKIP_CONDITION, "Stage condition not met"),
]

# --- stage
# Transaction mark (server side only) of a policy save in progress, see _check_trigger_order.
POLICY_SAVE_MARK = "account_credit_recovery.policy_save"

# --- agreement
MANAGER_GROUP = "account_credit_recovery.group_credit_recovery_manager"
NO_PROFILE = "no_profile"
# Set by the action methods only (through ``_write_workflow``).
AGREEMENT_WORKFLOW_FIELDS = (
    "name",
    "state",
    "approved_by_id",
    "move_id",
    "reversal_move_id",
    "broken_date",
    "done_date",
    "checked_date",
)

# Computed by the server from the invoices (``_prepare_agreement_vals``), never taken from the client.
DEBT_FIELDS = (
    "partner_id",
    "company_id",
    "debtor_id",
    "profile_id",
    "negotiation_date",
    "principal",
    "fine",
    "interest",
)

# An invoice is under one agreement at a time: these hold it.
OPEN_STATES = ("to_approve", "active", "broken")

# The terms the agent negotiates: editable while the agreement is a draft, frozen from submission.
TERM_FIELDS = (
    "discount_charges_percent",
    "discount_principal_percent",
    "down_payment",
    "installments",
    "periodicity",
    "first_due",
)

AGREEMENT_BATCH = 500

# --- dispatch_delivery
DELIVERY_BATCH = 200

# --- portal
RECEIPT_MAX_BYTES = 10 * 1024 * 1024

# --- proposal_template
PERIODICITIES = [("monthly", "Monthly"), ("biweekly", "Every two weeks"), ("weekly", "Weekly")]

# --- kpi
# A payment is attributed to the debtor's last contact at most this many days before it.
ATTRIBUTION_DAYS = 90

# The key, in the recovery per value, of the payments made with no contact in the ATTRIBUTION_DAYS before.
UNATTRIBUTED = "unattributed"

# --- contact
# Channels without a time of day: the contact window does not apply (caps still do).
TIMELESS_CHANNELS = ("letter",)

# --- debtor
CREDIT_STATUSES = [
    ("normal", "Normal"),
    ("restricted", "Restricted"),
    ("agreement_pending", "Restricted: agreement awaiting payment"),
    ("restored", "Restored"),
]

# --- account_move
RECOVERY_MOVE_TYPES = ("out_invoice", "out_receipt")

DISPUTE_KINDS = [
    ("not_recognised", "Debt not recognised"),
    ("already_paid", "Already paid"),
    ("product_problem", "Product or service problem"),
]

# --- invoice
STATE_FIELDS = (
    "stage_id",
    "days_overdue",
    "amount_overdue",
    "oldest_due_date",
    "next_action_date",
    "next_change_date",
    "refresh_date",
)

# --- debtor_inbound
# Channels an agent may answer by from the Reply dialog (the page has no way back to the debtor).
REPLY_CHANNELS = ("whatsapp", "sms", "email")

# --- first_payment
# Days after the first installment's due date at which an unpaid one counts as a default.
FPD_DAYS = (30, 60, 90)

# --- dossier
# The digest of the dossier being generated, {debtor_id: digest}, on the transaction (see the debtor).
DOSSIER_DIGEST_MARK = "account_credit_recovery.dossier_digest"

# --- first_payment
FIRST_PAYMENT_STATES = [
    ("not_due", "Not due yet"),
    ("on_time", "Paid on time"),
    ("late", "Paid late"),
    ("unpaid", "Unpaid"),
]

# --- contact_agency
# The contact log of an agency hand-over or recall: a record of the evidence chain, not a contact.
AGENCY_CHANNEL = "agency"
INTERNAL_DIRECTION = "internal"

# --- contact_reason_text
TEXT_REASON_STATES = [
    ("pending", "To confirm"),
    ("confirmed", "Confirmed"),
    ("corrected", "Corrected"),
    ("given", "Given from the text"),
]
