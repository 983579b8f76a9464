import { _t } from "@web/core/l10n/translation";
import { patch } from "@web/core/utils/patch";
import { AlertDialog } from "@web/core/confirmation_dialog/confirmation_dialog";
import { PaymentScreen } from "@point_of_sale/app/screens/payment_screen/payment_screen";

/**
 * The till refuses Customer Account (the store's crediário) for a customer whose credit is blocked
 * by collection. The answer travels with the customer data loaded by the Point of Sale
 * (res.partner recovery_pos_* fields), so the refusal holds offline too; the server flags what
 * reaches it anyway.
 */
patch(PaymentScreen.prototype, {
    /** The message that refuses this order's Customer Account lines, or false. */
    recoveryCreditRefusal() {
        const partner = this.currentOrder.get_partner();
        if (!partner || !partner.recovery_pos_blocked) {
            return false;
        }
        const onAccount = this.paymentLines.some(
            (line) => line.payment_method_id.type === "pay_later" && line.amount > 0
        );
        if (!onAccount) {
            return false;
        }
        return (
            partner.recovery_pos_message ||
            _t("%s's credit is blocked by collection: choose another payment method.", partner.name)
        );
    },
    async _isOrderValid(isForceValidate) {
        const refusal = this.recoveryCreditRefusal();
        if (refusal) {
            this.dialog.add(AlertDialog, {
                title: _t("Customer Account refused"),
                body: refusal,
            });
            return false;
        }
        return super._isOrderValid(...arguments);
    },
});
