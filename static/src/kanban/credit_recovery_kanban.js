import { getCurrency } from "@web/core/currency";
import { registry } from "@web/core/registry";
import { useService } from "@web/core/utils/hooks";
import { kanbanView } from "@web/views/kanban/kanban_view";
import { KanbanHeader } from "@web/views/kanban/kanban_header";
import { KanbanRenderer } from "@web/views/kanban/kanban_renderer";

/**
 * The column total of a monetary sum field, with the currency of the active companies.
 *
 * Odoo's kanban shows a progress bar's sum as a bare number; a column of amounts overdue
 * reads as money only with its symbol. The sum adds up the records of every active company,
 * so the symbol is shown only when they all keep their books in the same currency.
 */
export class CreditRecoveryKanbanHeader extends KanbanHeader {
    setup() {
        super.setup();
        this.companyService = useService("company");
    }

    get groupAggregate() {
        const aggregate = super.groupAggregate;
        const sumField = this.props.progressBarState?.progressAttributes.sumField;
        if (!sumField || sumField.type !== "monetary") {
            return aggregate;
        }
        const currencyIds = new Set(
            this.companyService.activeCompanyIds.map(
                (companyId) => this.companyService.allowedCompanies[companyId]?.recovery_currency_id
            )
        );
        const [currencyId] = currencyIds;
        if (currencyIds.size !== 1 || !currencyId) {
            return aggregate;
        }
        return { ...aggregate, currency: getCurrency(currencyId) };
    }
}

export class CreditRecoveryKanbanRenderer extends KanbanRenderer {
    static components = { ...KanbanRenderer.components, KanbanHeader: CreditRecoveryKanbanHeader };
}

registry.category("views").add("credit_recovery_kanban", {
    ...kanbanView,
    Renderer: CreditRecoveryKanbanRenderer,
});
