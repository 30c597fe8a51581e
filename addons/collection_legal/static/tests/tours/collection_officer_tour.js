import { registry } from "@web/core/registry";
import { stepUtils } from "@web_tour/tour_utils";

registry.category("web_tour.tours").add("collection_officer_tour", {
    url: "/odoo",
    steps: () => [
        stepUtils.showAppsMenuItem(),
        {
            content: "Open the Collection app",
            trigger: ".o_app[data-menu-xmlid='collection_base.collection_menu_root']",
            run: "click",
        },
        {
            content: "Open the Agencies menu",
            trigger: ".o-dropdown[data-menu-xmlid='collection_legal.collection_menu_agencies']",
            run: "click",
        },
        {
            content: "Open the cases placed with my agency",
            trigger: ".o-dropdown-item[data-menu-xmlid='collection_legal.collection_case_menu_placed']",
            run: "click",
        },
        {
            content: "Only the placed case is listed",
            trigger: ".o_list_view:not(:has(.o_data_row:contains('Nico NotPlaced')))",
        },
        {
            content: "Open the case of Tara Tour",
            trigger: ".o_data_row:contains('Tara Tour') .o_data_cell[name='partner_id']",
            run: "click",
        },
        {
            content: "Request the mediation board",
            trigger: ".o_form_view button:contains('Request Mediation')",
            run: "click",
        },
        {
            content: "Give the reason",
            trigger: ".modal .o_field_widget[name='reason'] textarea",
            run: "edit Refuses every payment plan offered",
        },
        {
            content: "Name the board",
            trigger: ".modal .o_field_widget[name='board_name'] input",
            run: "edit Springfield Mediation Board",
        },
        {
            content: "Save the request",
            trigger: ".modal .o_form_button_save",
            run: "click",
        },
        {
            content: "Back on the case",
            trigger: "body:not(:has(.modal)) .o_form_view button[name='action_register_dispute']",
            run: "click",
        },
        {
            content: "Describe the dispute",
            trigger: ".modal .o_field_widget[name='description'] textarea",
            run: "edit Says the last instalment was paid in cash",
        },
        {
            content: "Register it",
            trigger: ".modal .o_form_button_save",
            run: "click",
        },
        {
            content: "The case is in dispute: contact is paused",
            trigger: "body:not(:has(.modal)) .o_form_view .o_statusbar_status button.o_arrow_button_current:contains('Dispute')",
        },
    ],
});
