import { registry } from "@web/core/registry";
import { openCollectionMenu } from "@collection_integration/../tests/tours/collection_tour_steps";

// An agent sends the customer of a case a link to pay the overdue amount online.
registry.category("web_tour.tours").add("collection_pay_link_tour", {
    url: "/odoo",
    steps: () => [
        ...openCollectionMenu(
            "collection_base.collection_menu_work",
            "collection_base.collection_case_menu_my",
            "Open My Cases"
        ),
        {
            content: "Open the case of Carla Customer",
            trigger: ".o_data_row:contains('Carla Customer') .o_data_cell[name='partner_id']",
            run: "click",
        },
        {
            content: "Send a payment link",
            trigger: ".o_form_view button[name='action_send_payment_link']",
            run: "click",
        },
        {
            content: "The loan and its overdue amount are proposed",
            trigger: ".modal .o_field_widget[name='loan_id'] input:value('ACC-001')",
        },
        {
            trigger: ".modal .o_field_widget[name='amount']:contains('200.00')",
        },
        {
            content: "By SMS",
            trigger: ".modal .o_field_widget[name='channel'] input[data-value='sms']:checked",
        },
        {
            content: "Send",
            trigger: ".modal button[name='action_send']",
            run: "click",
        },
        {
            content: "The link is sent",
            trigger: "body:not(:has(.modal)) .o_notification:contains('Payment link'):contains('sent')",
        },
    ],
});
