import { registry } from "@web/core/registry";
import { stepUtils } from "@web_tour/tour_utils";

registry.category("web_tour.tours").add("collection_letter_tour", {
    url: "/odoo",
    steps: () => [
        ...stepUtils.goToAppSteps("collection_base.collection_menu_root", "Open the Collection app"),
        {
            content: "Open the Configuration menu",
            trigger: ".o-dropdown[data-menu-xmlid='collection_base.collection_menu_config']",
            run: "click",
        },
        {
            content: "Open the letter templates",
            trigger: ".o-dropdown-item[data-menu-xmlid='collection_base.collection_letter_template_menu']",
            run: "click",
        },
        {
            content: "Open the payment reminder",
            trigger: ".o_data_row:contains('Payment reminder') .o_data_cell[name='name']",
            run: "click",
        },
        {
            content: "The letter text is in the editor",
            trigger: ".o_form_view .o_field_widget[name='body'] .odoo-editor-editable:contains('We kindly ask you')",
        },
        {
            content: "Preview the letter",
            trigger: ".o_form_view button[name='action_preview']",
            run: "click",
        },
        {
            content: "Pick the case to fill it in",
            trigger: ".modal .o_field_widget[name='case_id'] input",
            run: "edit Lena Letter",
        },
        {
            trigger: ".o-autocomplete--dropdown-item a:contains('Lena Letter')",
            run: "click",
        },
        {
            content: "The preview shows the case's account number",
            trigger: ".modal .o_field_widget[name='body']:contains('LTR-ACC-1')",
        },
        {
            content: "Close the preview",
            trigger: ".modal .modal-footer button:contains('Close')",
            run: "click",
        },
        {
            content: "Back to the cases",
            trigger: ".o-dropdown[data-menu-xmlid='collection_base.collection_menu_work']",
            run: "click",
        },
        {
            trigger: ".o-dropdown-item[data-menu-xmlid='collection_base.collection_case_menu']",
            run: "click",
        },
        {
            content: "Open the case of Lena Letter",
            trigger: ".o_data_row:contains('Lena Letter') .o_data_cell[name='partner_id']",
            run: "click",
        },
        {
            content: "Open the action menu",
            trigger: ".o_form_view .o_cp_action_menus i.fa-cog",
            run: "click",
        },
        {
            content: "Print letters",
            trigger: ".dropdown-menu .o_menu_item:contains('Print Letters')",
            run: "click",
        },
        {
            content: "Open the list of letters",
            trigger: ".modal .o_field_widget[name='template_id'] input",
            run: "click",
        },
        {
            content: "Choose the demand letter",
            trigger: ".o_select_menu_item:contains('Demand for payment')",
            run: "click",
        },
        {
            content: "The letter is chosen",
            trigger: ".modal .o_field_widget[name='letter_type']:contains('Demand')",
        },
        {
            content: "Print",
            trigger: ".modal button[name='action_print']",
            run: "click",
        },
        {
            content: "The letter is on the case",
            trigger: "body:not(:has(.modal)) .o_form_view button[name='action_view_letters']:contains('1')",
        },
    ],
});
