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

// The same refusal for a cashier who works in Portuguese: the till's words come from the bridge's
// pt_BR catalogue, the sentence from the server in the cashier's language.
registry.category("web_tour.tours").add("account_credit_recovery_pos_refusal_pt_br", {
    steps: () =>
        [
            Chrome.startPoS(),
            Dialog.confirm(),
            ProductScreen.clickDisplayedProduct("Desk Organizer"),
            {
                content: "the product is on the order",
                trigger: `.order-container .orderline:has(.product-name:contains("Desk Organizer"))`,
            },
            ProductScreen.clickPartnerButton(),
            {
                content: "the customer list tells the restored customer in Portuguese",
                trigger: `.modal .partner-info:contains("Cliente Liberado") .o_recovery_pos_restored:contains("Crédito liberado"):contains("Disponível:")`,
            },
            ProductScreen.clickCustomer("Cliente Bloqueado"),
            ProductScreen.clickPayButton(),
            {
                content: "the payment screen warns in Portuguese",
                trigger: `.payment-screen .o_recovery_pos_blocked:contains("Conta do cliente bloqueada pela cobrança")`,
            },
            PaymentScreen.clickPaymentMethod("Customer Account"),
            PaymentScreen.clickValidate(),
            Dialog.is({ title: "Conta do cliente recusada" }),
            {
                content: "the sentence is the server's, in the cashier's language (amounts with a decimal comma)",
                trigger: `.modal-body:contains("Cliente Bloqueado"):contains("300,00")`,
            },
            Dialog.confirm(),
            PaymentScreen.isShown(),
        ].flat(),
});
