import * as Chrome from "@point_of_sale/../tests/tours/utils/chrome_util";
import * as Dialog from "@point_of_sale/../tests/tours/utils/dialog_util";
import * as ProductScreen from "@point_of_sale/../tests/tours/utils/product_screen_util";
import * as PaymentScreen from "@point_of_sale/../tests/tours/utils/payment_screen_util";
import * as ReceiptScreen from "@point_of_sale/../tests/tours/utils/receipt_screen_util";
import { registry } from "@web/core/registry";

function network(state) {
    return {
        content: `the till goes ${state}`,
        trigger: ".pos",
        run: () => window.dispatchEvent(new Event(state)),
    };
}

function refused(customer) {
    return [
        PaymentScreen.clickValidate(),
        Dialog.is({ title: "Customer Account refused" }),
        {
            content: "the refusal says why and what to do",
            trigger: `.modal-body:contains("${customer}"):contains("overdue"):contains("Sell for cash or card")`,
        },
        Dialog.confirm(),
        PaymentScreen.isShown(),
    ].flat();
}

registry.category("web_tour.tours").add("account_credit_recovery_pos_refusal", {
    steps: () =>
        [
            Chrome.startPoS(),
            Dialog.confirm("Open Register"),
            ProductScreen.addOrderline("Desk Organizer", "1"),
            ProductScreen.clickPartnerButton(),
            {
                content: "the customer list tells the blocked customer",
                trigger: `.modal .partner-info:contains("Cliente Bloqueado") .o_recovery_pos_blocked`,
            },
            {
                content: "the customer list tells the restored customer and the available credit",
                trigger: `.modal .partner-info:contains("Cliente Liberado") .o_recovery_pos_restored:contains("Credit restored") .o_recovery_pos_available:contains("500.00")`,
            },
            ProductScreen.clickCustomer("Cliente Bloqueado"),
            ProductScreen.clickPayButton(),
            {
                content: "the payment screen warns that Customer Account is blocked",
                trigger: ".payment-screen .o_recovery_pos_blocked",
            },
            PaymentScreen.clickPaymentMethod("Customer Account"),
            // Offline: the answer came with the customer data.
            network("offline"),
            refused("Cliente Bloqueado"),
            network("online"),
            refused("Cliente Bloqueado"),
            // The restored customer buys on Customer Account.
            {
                content: "change the customer from the payment screen",
                trigger: ".payment-screen button.partner-button",
                run: "click",
            },
            PaymentScreen.clickCustomer("Cliente Liberado"),
            {
                content: "the payment screen shows the credit restored and the available limit",
                trigger: `.payment-screen .o_recovery_pos_restored:contains("Credit restored") .o_recovery_pos_available:contains("500.00")`,
            },
            PaymentScreen.clickValidate(),
            ReceiptScreen.isShown(),
        ].flat(),
});
