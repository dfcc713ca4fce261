import type { StoredConnector } from '../stores/stores.ts';
import type { LogLevels } from './log-levels.ts';
import type { Metrics } from './metrics.ts';

// Keeps metrics and loggers in step with the connectors that exist: a stored connector gets its
// logger (connector.<name>, so /admin/loggers can find and set it before its tasks log anything)
// and its product labels; a deleted one loses its series on /metrics and its loggers. It listens
// to the config store's writes (src/mesh/connector-observer.ts) like the catalog does.

export interface ConnectorTelemetry {
  connectorStored(connector: StoredConnector): void;
  connectorDeleted(name: string): void;
  topicsRecorded(connector: string, topics: readonly string[]): void;
}

export function connectorTelemetry(metrics: Metrics, levels: LogLevels): ConnectorTelemetry {
  return {
    connectorStored(connector) {
      metrics.connectorConfigured(connector.name, connector.config);
      levels.connectorLogger(connector.name);
    },
    connectorDeleted(name) {
      metrics.connectorDeleted(name);
      levels.forgetConnector(name);
    },
    topicsRecorded() {},
  };
}
