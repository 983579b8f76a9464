/** @odoo-module **/

import { registry } from "@web/core/registry";

/**
 * The debtors kanban's column total reads as its cards read: two invoices overdue of 1,000.25 and
 * 234.25 total "$ 1,234.50" (not "$1,235" as Odoo's rounded animated number would write it).
 */
registry.category("web_tour.tours").add("credit_recovery_kanban_total_tour", {
    steps: () => [
        {
            content: "A card writes its amount with the currency's digits",
            trigger: ".o_kanban_record:contains('1,000.25')",
        },
        {
            content: "The column total is written the same way, symbol apart",
            trigger: ".o_kanban_group .o_animated_number:contains('1,234.50')",
            run() {
                const text = this.anchor.textContent.trim();
                if (!/^\$\u00a01,234\.50$/.test(text)) {
                    throw new Error(`column total written "${text}"`);
                }
            },
        },
    ],
});
