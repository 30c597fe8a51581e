import { registry } from "@web/core/registry";
import { openCollectionMenu } from "@collection_integration/../tests/tours/collection_tour_steps";

const column = (title) => `.o_kanban_group:has(.o_column_title:contains('${title}'))`;

/** The signed request the test prepared (what the call centre posts), from its cookie. */
function callCentreRequest() {
    const cookie = document.cookie.split("; ").find((c) => c.startsWith("collection_tour_call_centre="));
    return JSON.parse(atob(decodeURIComponent(cookie.split("=")[1])));
}

// A supervisor watches the team's agents; the call centre reports that Agnes took a call and
// her card moves to "On a call" without a reload (Odoo's bus).
registry.category("web_tour.tours").add("collection_agent_status_tour", {
    url: "/odoo",
    steps: () => [
        ...openCollectionMenu(
            "collection_base.collection_menu_work",
            "collection_integration.collection_agent_status_menu",
            "Open the agent status board"
        ),
        {
            content: "Agnes is available",
            trigger: `${column("Available")} .o_kanban_record:contains('Agnes Agent')`,
        },
        {
            content: "Bruno has never been reported",
            trigger: `${column("Unknown")} .o_kanban_record:contains('Bruno Agent')`,
        },
        {
            content: "The call centre reports that Agnes took a call",
            trigger: `${column("Available")} .o_kanban_record:contains('Agnes Agent')`,
            async run() {
                const request = callCentreRequest();
                const response = await fetch(request.url, {
                    method: "POST",
                    headers: request.headers,
                    body: request.body,
                });
                if (!response.ok) {
                    throw new Error(`The call centre's post was refused: ${await response.text()}`);
                }
            },
        },
        {
            content: "Her card moves to On a call by itself",
            trigger: `${column("On a call")} .o_kanban_record:contains('Agnes Agent')`,
            run: "click",
        },
        {
            content: "Open her history",
            trigger: ".o_form_view button[name='action_open_history']",
            run: "click",
        },
        {
            content: "Available, then on a call",
            trigger: ".o_list_view .o_data_row:contains('On a call') ~ .o_data_row:contains('Available')",
        },
    ],
});
