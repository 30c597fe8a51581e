import { registry } from "@web/core/registry";

// An administrator syncs a T24 connector whose inbound folder holds an extract, then reads the
// run: its figures, its reconciliation verdict and the rejected record. "Sync now" queues the
// connector's scheduled action; no cron worker runs during tests, so the tour runs it the way an
// administrator does when the worker is down: "Run Manually" on the scheduled action.
registry.category("web_tour.tours").add("collection_sync_tour", {
    steps: () => [
        {
            content: "Open the T24 connector",
            trigger: ".o_data_row .o_data_cell[name='name']:contains('Core banking')",
            run: "click",
        },
        {
            content: "Sync now",
            trigger: ".o_form_view button[name='action_sync_now']",
            run: "click",
        },
        {
            content: "The run is queued",
            trigger: ".o_notification:contains('Sync queued')",
        },
        {
            content: "Open the Loading tab",
            trigger: ".o_form_view .o_notebook a.nav-link:contains('Loading')",
            run: "click",
        },
        {
            content: "Open the connector's scheduled action",
            trigger: ".o_form_view .o_field_widget[name='cron_id'] a.o_form_uri",
            run: "click",
        },
        {
            content: "Run it (what the cron worker does)",
            trigger: ".o_form_view button[name='method_direct_trigger']",
            run: "click",
        },
        {
            content: "Back to the connector",
            trigger: ".o_breadcrumb .breadcrumb-item a:contains('Core banking')",
            run: "click",
        },
        {
            content: "One run in its history",
            trigger: ".o_form_view button[name='action_open_runs']:contains('1')",
            run: "click",
        },
        {
            content: "The run with its figures and its reconciliation verdict",
            trigger:
                ".o_data_row:has(.o_data_cell[name='record_count']:contains('7'))" +
                ":has(.o_data_cell[name='inserted_count']:contains('6'))" +
                ":has(.o_data_cell[name='rejected_count']:contains('1'))" +
                ":has(.o_data_cell[name='verdict']:contains('Balanced, rows rejected'))" +
                " .o_data_cell[name='name']",
            run: "click",
        },
        {
            content: "The files of the run",
            trigger: ".o_form_view .o_field_widget[name='batch_ids'] .o_data_row:contains('ARRANGEMENT')",
        },
        {
            content: "Open the rejected records",
            trigger: ".o_form_view button[name='action_open_rejects']",
            run: "click",
        },
        {
            content: "The rejects, by reason",
            trigger: ".o_list_view .o_group_name:contains('Unknown product (1)')",
            run: "click",
        },
        {
            content: "The rejected loan, its line and the value",
            trigger: ".o_list_view .o_data_row:contains('AA9'):contains('ZZ') .o_data_cell[name='line_no']:contains('6')",
        },
    ],
});
