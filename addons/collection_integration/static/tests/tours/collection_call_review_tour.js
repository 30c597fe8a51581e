import { registry } from "@web/core/registry";
import { openCollectionMenu } from "@collection_integration/../tests/tours/collection_tour_steps";

// A supervisor finds the case of a call from a number nobody has: the call becomes an action.
registry.category("web_tour.tours").add("collection_call_review_tour", {
    url: "/odoo",
    steps: () => [
        ...openCollectionMenu(
            "collection_base.collection_menu_work",
            "collection_integration.collection_call_record_menu_review",
            "Open the calls to review"
        ),
        {
            content: "Open the call from the unknown number",
            trigger: ".o_data_row .o_data_cell[name='number']:contains('+1 202 555 0144')",
            run: "click",
        },
        {
            content: "Why it was not matched",
            trigger: ".o_form_view .alert:contains('no customer has +12025550144')",
        },
        {
            content: "Look the case up",
            trigger: ".o_form_view .o_field_widget[name='case_id'] input",
            run: "edit Carla",
        },
        {
            trigger: ".o-autocomplete--dropdown-item a:contains('Carla Customer')",
            run: "click",
        },
        {
            content: "Assign the call to the case",
            trigger: ".o_form_view button[name='action_assign_to_case']",
            run: "click",
        },
        {
            content: "The call is matched",
            trigger: ".o_form_view .o_statusbar_status .o_arrow_button_current:contains('Matched')",
        },
        {
            content: "Open the action it became",
            trigger: ".o_form_view button[name='action_open_action']",
            run: "click",
        },
        {
            content: "The call is on Carla's case",
            trigger: ".o_form_view .o_field_widget[name='case_id']:contains('Carla Customer')",
        },
    ],
});
