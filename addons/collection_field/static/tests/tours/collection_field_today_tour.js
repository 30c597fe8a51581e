import { registry } from "@web/core/registry";
import { formatDate } from "@web/core/l10n/dates";
import { inputFiles } from "@web/../tests/utils";

const DOOR = { latitude: 40.72285, longitude: -74.006, accuracy: 8 };
const CARD = ".o_collection_field_today .o_kanban_record:contains('Tara Field')";
const UMA = ".o_collection_field_today .o_kanban_record:contains('Uma Later')";
const FIRST = ".o_collection_field_today .o_kanban_record:first";
const PHOTO_INPUT = ".o_form_view .o_field_widget[name='photo_ids'] input.o_input_file";

/** A small JPEG, as the phone's camera would hand it over. */
async function cameraPhoto() {
    const canvas = document.createElement("canvas");
    canvas.width = 32;
    canvas.height = 24;
    const context = canvas.getContext("2d");
    context.fillStyle = "#c80a0a";
    context.fillRect(0, 0, 32, 24);
    const blob = await new Promise((resolve) => canvas.toBlob(resolve, "image/jpeg"));
    return new File([blob], "door.jpg", { type: "image/jpeg" });
}

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
        {
            content: "Back to the day (the phone's navbar holds the back button)",
            trigger: "button.o_back_button",
            run: "click",
        },
        {
            content: "Tara is still the first stop",
            trigger: `${FIRST}:contains('Tara Field')`,
        },
        {
            content: "Move Tara's stop later",
            trigger: `${CARD} button[name='action_move_down']`,
            run: "click",
        },
        {
            content: "Uma is now the first stop, Tara the second",
            trigger: `${FIRST}:contains('Uma Later') + .o_kanban_record:contains('Tara Field')`,
        },
        {
            content: "Move Tara's stop earlier again",
            trigger: `${CARD} button[name='action_move_up']`,
            run: "click",
        },
        {
            content: "Tara is the first stop again",
            trigger: `${FIRST}:contains('Tara Field') + .o_kanban_record:contains('Uma Later')`,
        },
        {
            content: "Record Uma's outcome",
            trigger: `${UMA} button.o_collection_field_outcome_button`,
            run: "click",
        },
        {
            content: "Open the list of results",
            trigger: ".o_form_view:contains('Uma Later') .o_field_widget[name='result_code_id'] .o_select_menu_toggler",
            run: "click",
        },
        {
            content: "Uma promises to pay",
            trigger: ".o_select_menu_item:contains('Promise to pay')",
            run: "click",
        },
        {
            content: "Amount promised",
            trigger: ".o_form_view .o_field_widget[name='ptp_amount'] input",
            run: "edit 120",
        },
        {
            content: "Date promised, in three days",
            trigger: ".o_form_view .o_field_widget[name='ptp_date'] input",
            run: `edit ${formatDate(luxon.DateTime.local().plus({ days: 3 }))} && click .o_form_view .o_field_widget[name='note'] textarea`,
        },
        {
            content: "What happened",
            trigger: ".o_form_view .o_field_widget[name='note'] textarea",
            run: "edit Promises 120 on Friday",
        },
        {
            content: "The photo upload opens the phone's back camera, for images",
            trigger: `${PHOTO_INPUT}[capture='environment'][accept='image/*']:not(:visible)`,
            async run() {
                await inputFiles(PHOTO_INPUT, [await cameraPhoto()]);
            },
        },
        {
            content: "The photo is attached",
            trigger: ".o_form_view .o_field_widget[name='photo_ids'] .o_attachment:contains('door.jpg')",
        },
        {
            content: "Save the outcome",
            trigger: ".o_form_view button.o_collection_field_save_outcome",
            run: "click",
        },
        {
            content: "The promise is recorded: the outcome can no longer be changed",
            trigger: ".o_form_view:not(:has(button.o_collection_field_save_outcome)) .o_field_widget[name='ptp_amount']:not(:has(input)):contains('120')",
        },
    ],
});
