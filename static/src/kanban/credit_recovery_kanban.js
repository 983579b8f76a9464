import { getCurrency } from "@web/core/currency";
import { registry } from "@web/core/registry";
import { useService } from "@web/core/utils/hooks";
import { formatFloat } from "@web/core/utils/numbers";
import { nbsp } from "@web/core/utils/strings";
import { kanbanView } from "@web/views/kanban/kanban_view";
import { KanbanHeader } from "@web/views/kanban/kanban_header";
import { KanbanRenderer } from "@web/views/kanban/kanban_renderer";
import { AnimatedNumber } from "@web/views/view_components/animated_number";
import { ColumnProgress } from "@web/views/view_components/column_progress";

/**
 * A column total written as the cards write their amounts: "R$ 1.490,00", not "R$1.490".
 *
 * Odoo's animated number rounds to a human-readable integer and glues the symbol to it; an
 * agent comparing the column with its cards must read the same format (the currency's digits,
 * the language's separators, the symbol apart from the number by a non-breaking space).
 */
export class CreditRecoveryAnimatedNumber extends AnimatedNumber {
    static template = "account_credit_recovery.AnimatedNumber";

    format(value) {
        const currency = this.props.currency;
        if (!currency) {
            return super.format(value);
        }
        const parts = [currency.symbol, formatFloat(value, { digits: currency.digits })];
        if (currency.position === "after") {
            parts.reverse();
        }
        return parts.join(nbsp);
    }
}

export class CreditRecoveryColumnProgress extends ColumnProgress {
    static components = { ...ColumnProgress.components, AnimatedNumber: CreditRecoveryAnimatedNumber };
}

/**
 * The column total of a monetary sum field, with the currency of the active companies.
 *
 * Odoo's kanban shows a progress bar's sum as a bare number; a column of amounts overdue
 * reads as money only with its symbol (written by CreditRecoveryAnimatedNumber). The sum adds up the records of every active company,
 * so the symbol is shown only when they all keep their books in the same currency.
 */
export class CreditRecoveryKanbanHeader extends KanbanHeader {
    static components = { ...KanbanHeader.components, ColumnProgress: CreditRecoveryColumnProgress };

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
