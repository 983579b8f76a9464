/** @odoo-module **/

import publicWidget from "@web/legacy/js/public/public_widget";

/**
 * The debtor's self-service page: "Copy the PIX code" puts the copia e cola code on the clipboard
 * (selected in its box as well, for browsers that refuse the clipboard) and says so on the button.
 */
publicWidget.registry.CreditRecoveryPixCopy = publicWidget.Widget.extend({
    selector: ".o_credit_recovery_pix",
    events: {
        "click .o_credit_recovery_copy": "_onCopy",
    },

    async _onCopy(ev) {
        const button = ev.currentTarget;
        const code = this.el.querySelector(".o_credit_recovery_pix_code");
        code.focus();
        code.select();
        try {
            await navigator.clipboard.writeText(code.value);
        } catch {
            // No clipboard permission (e.g. an old browser or a page not in focus): the code is selected.
            document.execCommand("copy");
        }
        button.classList.add("o_copied");
        button.querySelector(".o_credit_recovery_copy_label").classList.add("d-none");
        button.querySelector(".o_credit_recovery_copied_label").classList.remove("d-none");
    },
});
