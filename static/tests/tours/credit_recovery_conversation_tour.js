/** @odoo-module **/

import { registry } from "@web/core/registry";

/**
 * The debtor's conversation: the customer's message shows as text, with its suggestion, and the
 * agent records the promise it makes in one click.
 */
registry.category("web_tour.tours").add("credit_recovery_conversation_tour", {
    steps: () => [
        {
            content: "Open the conversation",
            trigger: ".o_notebook .nav-link:contains('Conversation')",
            run: "click",
        },
        {
            content: "The customer's message, as typed (no HTML)",
            trigger: ".o_recovery_conversation .o_kanban_record:contains('<b>Só</b> consigo dia 10')",
        },
        {
            content: "Record the promise it suggests",
            trigger: ".o_recovery_conversation button:contains('Record Promise')",
            run: "click",
        },
        {
            content: "The suggestion is no longer waiting",
            trigger: ".o_recovery_conversation .o_kanban_record:contains('consigo dia 10'):not(:has(button:contains('Record Promise')))",
        },
    ],
});
