/** @odoo-module **/

import publicWidget from "@web/legacy/js/public/public_widget";
import { browser } from "@web/core/browser/browser";
import { _t } from "@web/core/l10n/translation";

/** The copy button of the PIX code: the payer pastes it in the bank's app. */
publicWidget.registry.PixCopyCode = publicWidget.Widget.extend({
    selector: ".o_pix_code_card",
    events: { "click .o_pix_copy_button": "_onCopy" },

    async _onCopy(ev) {
        const button = ev.currentTarget;
        const label = button.querySelector("span");
        try {
            await browser.navigator.clipboard.writeText(button.dataset.value);
            label.textContent = _t("Copied");
        } catch {
            const input = this.el.querySelector(".o_pix_code");
            input.select();
            label.textContent = _t("Select and copy");
        }
    },
});

export default publicWidget.registry.PixCopyCode;
