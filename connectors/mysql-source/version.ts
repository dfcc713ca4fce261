/** Version of this connector, reported by the plugin listing and in every event's source.version. */
export const CONNECTOR_VERSION = '0.1.0';
