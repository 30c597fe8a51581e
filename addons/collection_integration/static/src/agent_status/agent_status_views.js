import { onWillDestroy } from "@odoo/owl";
import { registry } from "@web/core/registry";
import { user } from "@web/core/user";
import { useService } from "@web/core/utils/hooks";
import { useDebounced } from "@web/core/utils/timing";
import { kanbanView } from "@web/views/kanban/kanban_view";
import { listView } from "@web/views/list/list_view";

// what collection.agent.status sends to the supervisors' group when a status changes
const NOTIFICATION = "collection.agent_status/updated";

/**
 * The supervisors' agent board reloads by itself when the call centre reports a change: the
 * server sends a notification (without personal data) to the supervisors' group channel,
 * which every supervisor's tab listens to already; a board reloads, through the record rules,
 * only when a company it shows is among the notification's.
 */
const AgentStatusLiveMixin = (Controller) =>
    class extends Controller {
        setup() {
            super.setup(...arguments);
            const busService = useService("bus_service");
            const reload = useDebounced(() => this.model.load(), 300);
            this.reloadOnStatusChange = ({ company_ids }) => {
                const shown = user.activeCompanies.map((company) => company.id);
                if (company_ids.some((id) => shown.includes(id))) {
                    reload();
                }
            };
            busService.subscribe(NOTIFICATION, this.reloadOnStatusChange);
            busService.start();
            onWillDestroy(() => busService.unsubscribe(NOTIFICATION, this.reloadOnStatusChange));
        }
    };

registry.category("views").add("collection_agent_status_kanban", {
    ...kanbanView,
    Controller: AgentStatusLiveMixin(kanbanView.Controller),
});

registry.category("views").add("collection_agent_status_list", {
    ...listView,
    Controller: AgentStatusLiveMixin(listView.Controller),
});
