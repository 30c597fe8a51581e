import { _t } from "@web/core/l10n/translation";

/**
 * The device's position through the browser's geolocation, as the server expects it.
 * Some Android builds expose a mock-location flag on the position: it is passed on.
 */
export function getDevicePosition() {
    return new Promise((resolve, reject) => {
        if (!navigator.geolocation) {
            reject(new Error(_t("This device cannot share its position.")));
            return;
        }
        navigator.geolocation.getCurrentPosition(
            (position) =>
                resolve({
                    latitude: position.coords.latitude,
                    longitude: position.coords.longitude,
                    accuracy: position.coords.accuracy,
                    is_mock: Boolean(position.mocked || position.coords.mocked),
                    timestamp: position.timestamp || Date.now(),
                }),
            (error) =>
                reject(
                    new Error(
                        error.code === 1
                            ? _t("Allow this app to use your location to check in.")
                            : _t("Your position could not be found: %s", error.message)
                    )
                ),
            { enableHighAccuracy: true, timeout: 20000, maximumAge: 0 }
        );
    });
}

/** An id for a field event, generated on the device so that retries are stored once. */
export function newClientId() {
    if (window.crypto && window.crypto.randomUUID) {
        return window.crypto.randomUUID();
    }
    return `${Date.now().toString(36)}-${Math.random().toString(36).slice(2)}-${Math.random().toString(36).slice(2)}`;
}
