import { Component, onWillStart, useState } from "@odoo/owl";
import { registry } from "@web/core/registry";
import { deserializeDate, formatDate } from "@web/core/l10n/dates";
import { _t } from "@web/core/l10n/translation";
import { useService } from "@web/core/utils/hooks";
import { formatFloat } from "@web/core/utils/numbers";
import { formatMonetary } from "@web/views/fields/formatters";

const BUCKETS = [
    ["not_due", "bg-success"],
    ["d1_30", "bg-info"],
    ["d31_60", "bg-warning"],
    ["d61_90", "bg-danger bg-opacity-50"],
    ["d91_180", "bg-danger"],
    ["d180_plus", "bg-dark"],
];

/** The Collection app's landing page: cards that open their lists, and bar graphs drawn in CSS. */
export class CreditRecoveryDashboard extends Component {
    static template = "account_credit_recovery.Dashboard";
    static props = ["*"];

    setup() {
        this.orm = useService("orm");
        this.actionService = useService("action");
        this.buckets = BUCKETS;
        this.state = useState({ data: null });
        onWillStart(async () => {
            this.state.data = await this.orm.call("credit.recovery.kpi", "get_dashboard", []);
        });
    }

    open(action) {
        this.actionService.doAction(action);
    }

    openWorklist() {
        this.actionService.doAction("account_credit_recovery.action_credit_recovery_worklist");
    }

    pointTotal(point) {
        return BUCKETS.reduce((sum, [code]) => sum + point[code], 0);
    }

    /** The top of the trend's axis: the highest week rounded up to 1, 2 or 5 times a power of ten. */
    get trendScale() {
        const highest = Math.max(0, ...(this.state.data.aging_trend || []).map((point) => this.pointTotal(point)));
        if (highest <= 0) {
            return 1;
        }
        const power = 10 ** Math.floor(Math.log10(highest));
        return [1, 2, 5, 10].map((step) => step * power).find((top) => top >= highest);
    }

    axisLabel(value) {
        // "R$ 50k", not "R$ 50,00k": round figures on an axis.
        return formatMonetary(value, { currencyId: this.state.data.currency_id, humanReadable: true, digits: [69, 0] });
    }

    shortDate(value) {
        return deserializeDate(value).toLocaleString({ day: "2-digit", month: "2-digit" });
    }

    pointTitle(point) {
        const day = formatDate(deserializeDate(point.date));
        return point.missing
            ? _t("%(date)s: no aging snapshot that day", { date: day })
            : `${day}: ${this.money(this.pointTotal(point))}`;
    }

    /** Numbers and amounts written in the user's language (decimal comma in pt_BR). */
    percent(value) {
        return value === null || value === undefined ? "-" : `${formatFloat(value, { digits: [false, 1] })} %`;
    }

    days(value) {
        return value === null || value === undefined ? "-" : formatFloat(value, { digits: [false, 1] });
    }

    money(value) {
        return formatMonetary(value || 0, { currencyId: this.state.data.currency_id });
    }

    barWidth(value) {
        return `width: ${Math.max(0, Math.min(100, value || 0))}%`;
    }

    segmentHeight(point, code) {
        return `height: ${(100 * point[code]) / this.trendScale}%`;
    }
}

registry.category("actions").add("credit_recovery_dashboard", CreditRecoveryDashboard);
