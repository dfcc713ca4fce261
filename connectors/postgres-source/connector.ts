import type { SourcePlugin, TaskConfig } from '../../src/plugin/index.ts';
import { errorMessage } from '../../src/plugin/index.ts';
import { type PostgresSourceConfig, type PostgresSourceFields, postgresSourceConfig } from './config.ts';
import { connect } from './connection.ts';
import { describeSource } from './describe.ts';
import { databaseError } from './errors.ts';
import { postgresOriginalKeys } from './original-keys.ts';
import { dropSlot } from './slot.ts';
import { PostgresSourceTask } from './task.ts';
import { CONNECTOR_VERSION } from './version.ts';

// The PostgreSQL source plugin. One task per connector: a logical replication slot has one reader.

export const postgresSourcePlugin: SourcePlugin<PostgresSourceFields> = {
  name: 'postgres-source',
  originalKeys: postgresOriginalKeys,
  aliases: ['io.debezium.connector.postgresql.PostgresConnector', 'PostgresConnector'],
  kind: 'source',
  version: CONNECTOR_VERSION,
  config: postgresSourceConfig,

  planTasks(_config: PostgresSourceConfig, _maxTasks: number): TaskConfig[] {
    return [{}];
  },

  /** Deleting the connector drops its slot when slot.drop.on.stop is set, so no WAL stays retained. */
  async onDeleted(config: PostgresSourceConfig): Promise<void> {
    if (!config['slot.drop.on.stop']) return;
    const client = await connect(config, 'delete').catch((error: unknown) => {
      throw databaseError(error, `connecting to drop slot "${config['slot.name']}"`);
    });
    try {
      await dropSlot(client, config['slot.name']);
    } catch (error) {
      throw databaseError(error, `dropping slot "${config['slot.name']}": ${errorMessage(error)}`);
    } finally {
      await client.end().catch(() => {});
    }
  },

  createTask() {
    return new PostgresSourceTask();
  },

  describe: describeSource,
};
