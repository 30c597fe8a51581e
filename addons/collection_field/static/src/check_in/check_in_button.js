import { Component, useState } from "@odoo/owl";
import { rpc } from "@web/core/network/rpc";
import { registry } from "@web/core/registry";
import { useService } from "@web/core/utils/hooks";
import { standardWidgetProps } from "@web/views/widgets/standard_widget_props";
import { getDevicePosition, newClientId } from "./geolocation";

/** "Check in" on a visit card: sends the phone's position; the server says verified or outside. */
export class CheckInButton extends Component {
    static template = "collection_field.CheckInButton";
    static props = { ...standardWidgetProps };

    setup() {
        this.orm = useService("orm");
        this.notification = useService("notification");
        this.state = useState({ busy: false });
    }

    get visible() {
        return this.props.record.data.state === "planned";
    }

    async onClick() {
        this.state.busy = true;
        try {
            let position;
            try {
                position = await getDevicePosition();
            } catch (error) {
                this.notification.add(error.message, { type: "danger" });
                return;
            }
            const result = await this.orm.call(
                "collection.visit",
                "action_check_in_from_device",
                [[this.props.record.resId]],
                {
                    latitude: position.latitude,
                    longitude: position.longitude,
                    accuracy: position.accuracy,
                    is_mock: position.is_mock,
                    client_id: newClientId(),
                    client_time: position.timestamp,
                }
            );
            this.notification.add(result.message, { type: result.is_flagged ? "warning" : "success" });
            await this.props.record.load();
        } finally {
            this.state.busy = false;
        }
    }
}

/**
 * "Use my position" on the nearby-customers form: fills latitude, longitude and accuracy, and
 * stores the position in the agent's track ("Add to today" trusts stored positions only).
 */
export class LocateButton extends Component {
    static template = "collection_field.LocateButton";
    static props = { ...standardWidgetProps };

    setup() {
        this.notification = useService("notification");
        this.state = useState({ busy: false });
    }

    async onClick() {
        this.state.busy = true;
        try {
            const position = await getDevicePosition();
            await this.props.record.update({
                latitude: position.latitude,
                longitude: position.longitude,
                accuracy: position.accuracy,
            });
            const result = await rpc("/collection_field/pings", {
                device_id: "web",
                positions: [
                    {
                        client_id: newClientId(),
                        latitude: position.latitude,
                        longitude: position.longitude,
                        accuracy: position.accuracy,
                        timestamp: position.timestamp,
                        is_mock: position.is_mock,
                    },
                ],
            });
            if (result.errors.length) {
                const error = result.errors[0];
                this.notification.add(`${error.field}: ${error.reason}`, { type: "warning" });
            }
        } catch (error) {
            this.notification.add(error.message, { type: "danger" });
        } finally {
            this.state.busy = false;
        }
    }
}

registry.category("view_widgets").add("collection_field_check_in", {
    component: CheckInButton,
    fieldDependencies: [{ name: "state", type: "selection" }],
});
registry.category("view_widgets").add("collection_field_locate", { component: LocateButton });
