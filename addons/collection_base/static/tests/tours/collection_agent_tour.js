import { registry } from "@web/core/registry";
import { stepUtils } from "@web_tour/tour_utils";

const promiseDate = luxon.DateTime.now().plus({ days: 3 });

registry.category("web_tour.tours").add("collection_agent_ptp_tour", {
    url: "/odoo",
    steps: () => [
        stepUtils.showAppsMenuItem(),
        {
            content: "Open the Collection app",
            trigger: ".o_app[data-menu-xmlid='collection_base.collection_menu_root']",
            run: "click",
        },
        {
            content: "Open the Work menu",
            trigger: ".o-dropdown[data-menu-xmlid='collection_base.collection_menu_work']",
            run: "click",
        },
        {
            content: "Open My Cases",
            trigger: ".o-dropdown-item[data-menu-xmlid='collection_base.collection_case_menu_my']",
            run: "click",
        },
        {
            content: "Open the case of Tara Tour",
            trigger: ".o_data_row:contains('Tara Tour') .o_data_cell[name='partner_id']",
            run: "click",
        },
        {
            content: "Log the call",
            trigger: ".o_form_view button[name='action_log_action']",
            run: "click",
        },
        {
            content: "Pick the result",
            trigger: ".modal .o_field_widget[name='result_code_id'] input",
            run: "edit Promise to pay",
        },
        {
            trigger: ".o-autocomplete--dropdown-item a:contains('Promise to pay')",
            run: "click",
        },
        {
            content: "Promised amount",
            trigger: ".modal .o_field_widget[name='ptp_amount'] input",
            run: "edit 150",
        },
        {
            content: "Promised date",
            trigger: ".modal .o_field_widget[name='ptp_date'] input",
            run: `edit ${promiseDate.toFormat("MM/dd/yyyy")}`,
        },
        {
            content: "Note what was said",
            trigger: ".modal .o_field_widget[name='note'] textarea",
            run: "edit Will pay on Friday after salary",
        },
        {
            content: "Save the action",
            trigger: ".modal button[name='action_confirm']",
            run: "click",
        },
        {
            content: "The dialog is closed and the case form is back",
            trigger: "body:not(:has(.modal)) .o_form_view button[name='action_log_action']",
        },
        {
            content: "Open the promises of the case",
            trigger: ".o_form_view .o_notebook a.nav-link:contains('Promises')",
            run: "click",
        },
        {
            content: "The promise shows on the case",
            trigger: ".o_form_view .o_field_widget[name='ptp_ids'] .o_data_row:contains('150')",
        },
    ],
});
