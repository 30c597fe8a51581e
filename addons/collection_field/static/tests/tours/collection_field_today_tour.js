import { registry } from "@web/core/registry";

const DOOR = { latitude: 40.72285, longitude: -74.006, accuracy: 8 };
const CARD = ".o_collection_field_today .o_kanban_record:contains('Tara Field')";

registry.category("web_tour.tours").add("collection_field_today_tour", {
    steps: () => [
        {
            content: "The phone's GPS reports the customer's door",
            trigger: CARD,
            run() {
                const fakeGeolocation = {
                    getCurrentPosition(success) {
                        success({ coords: { ...DOOR }, timestamp: Date.now() });
                    },
                };
                Object.defineProperty(navigator, "geolocation", { value: fakeGeolocation, configurable: true });
            },
        },
        {
            content: "The stops come in route order, Tara first",
            trigger: ".o_collection_field_today .o_kanban_record:first:contains('Tara Field')",
        },
        {
            content: "Navigate opens the maps at the address",
            trigger: `${CARD} a.o_collection_field_navigate[href*='destination=40.7228000,-74.0060000']`,
        },
        {
            content: "Call dials the customer",
            trigger: `${CARD} a.o_collection_field_call[href='tel:+12025550177']`,
        },
        {
            content: "Check in at the door",
            trigger: `${CARD} button.o_collection_field_check_in`,
            run: "click",
        },
        {
            content: "The check-in is verified against the geofence",
            trigger: `${CARD}:contains('Check-in verified')`,
        },
        {
            content: "Record the outcome",
            trigger: `${CARD} button.o_collection_field_outcome_button`,
            run: "click",
        },
        {
            content: "Open the list of results",
            trigger: ".o_form_view .o_field_widget[name='result_code_id'] .o_select_menu_toggler",
            run: "click",
        },
        {
            content: "The customer paid cash",
            trigger: ".o_select_menu_item:contains('Paid cash to the agent')",
            run: "click",
        },
        {
            content: "Amount collected",
            trigger: ".o_form_view .o_field_widget[name='cash_amount'] input",
            run: "edit 50",
        },
        {
            content: "What happened",
            trigger: ".o_form_view .o_field_widget[name='note'] textarea",
            run: "edit Paid 50 in cash at the door",
        },
        {
            content: "Save the outcome",
            trigger: ".o_form_view button.o_collection_field_save_outcome",
            run: "click",
        },
        {
            content: "A numbered receipt is issued",
            trigger: ".o_form_view .o_field_widget[name='receipt_id']:contains('RC/')",
        },
    ],
});
