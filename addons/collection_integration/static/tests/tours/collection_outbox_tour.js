import { registry } from "@web/core/registry";
import { openCollectionMenu } from "@collection_integration/../tests/tours/collection_tour_steps";

// An administrator follows an event to a webhook that is down: the subscription, the dead
// letter and its delivery log, the event, then sends it again.
registry.category("web_tour.tours").add("collection_outbox_tour", {
    url: "/odoo",
    steps: () => [
        ...openCollectionMenu(
            "collection_integration.collection_integration_menu",
            "collection_integration.collection_connector_gateway_menu",
            "Open the gateways and webhooks"
        ),
        {
            content: "Open the CRM webhook",
            trigger: ".o_data_row .o_data_cell[name='name']:contains('CRM webhook')",
            run: "click",
        },
        {
            content: "Open what it subscribes to",
            trigger: ".o_form_view .o_notebook a.nav-link:contains('Events')",
            run: "click",
        },
        {
            content: "It subscribes to the payments received",
            trigger: ".o_form_view .o_field_widget[name='event_type_ids'] .o_tag:contains('payment.received')",
        },
        {
            content: "Open its dead letters",
            trigger: ".o_form_view button[name='action_open_deliveries']:contains('Dead Letters')",
            run: "click",
        },
        {
            content: "Open the dead letter",
            trigger: ".o_data_row:contains('payment.received'):contains('Dead letter') .o_data_cell[name='name']",
            run: "click",
        },
        {
            content: "The delivery log: the webhook answered 503",
            trigger: ".o_form_view .o_field_widget[name='attempt_ids'] .o_data_row:contains('503')",
        },
        {
            content: "Open the event",
            trigger: ".o_form_view .o_field_widget[name='event_id'] a.o_form_uri",
            run: "click",
        },
        {
            content: "The event carries the payment",
            trigger: ".o_form_view .o_field_widget[name='payload']:contains('P-TOUR-1')",
        },
        {
            content: "Back to the delivery",
            trigger: ".o_breadcrumb .breadcrumb-item a:contains('→ CRM webhook')",
            run: "click",
        },
        {
            content: "Send it again",
            trigger: ".o_form_view button[name='action_retry']",
            run: "click",
        },
        {
            content: "It waits for the next delivery run",
            trigger: ".o_form_view:not(:has(button[name='action_retry'])) .o_statusbar_status .o_arrow_button_current:contains('Pending')",
        },
    ],
});
