from odoo import api, models

FAILED_STATUSES = ("bounce", "exception")
# Failures that say the address or number is wrong; the others (our mail server, SMS credit…)
# fail the delivery without putting the blame on the customer's contact details.
RECIPIENT_FAILURES = (
    "mail_bounce",
    "mail_email_invalid",
    "mail_email_missing",
    "sms_number_missing",
    "sms_number_format",
    "sms_invalid_destination",
    "sms_not_delivered",
)


class MailNotification(models.Model):
    """Delivery failures of automatic collection messages reach their contact logs.

    E-mail bounces, e-mail sending errors and SMS errors all end up as the status of
    the recipient's notification: that is where they are caught, whatever the channel.
    """

    _inherit = "mail.notification"

    @api.model_create_multi
    def create(self, vals_list):
        notifications = super().create(vals_list)
        notifications.filtered(lambda n: n.notification_status in FAILED_STATUSES)._recovery_report_failure()
        return notifications

    def write(self, vals):
        res = super().write(vals)
        if vals.get("notification_status") in FAILED_STATUSES:
            self._recovery_report_failure()
        return res

    def _recovery_report_failure(self):
        if not self:
            return
        logs = (
            self.env["credit.recovery.contact"]
            .sudo()
            .search([("message_id", "in", self.mail_message_id.ids), ("is_automatic", "=", True)])
        )
        for notification in self:
            failed = logs.filtered(
                lambda log, n=notification: (
                    log.message_id == n.mail_message_id
                    and log.partner_id == n.res_partner_id.commercial_partner_id
                    and log.channel == n.notification_type
                )
            )
            if failed:
                failure = notification.failure_reason or dict(
                    notification._fields["failure_type"]._description_selection(self.env)
                ).get(notification.failure_type, notification.notification_status)
                failed._mark_delivery_failed(
                    failure or notification.notification_status,
                    flag_partner=notification.notification_status == "bounce"
                    or notification.failure_type in RECIPIENT_FAILURES,
                )
