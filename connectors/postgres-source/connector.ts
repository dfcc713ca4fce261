import type pg from 'pg';
import type { FieldError, SourcePlugin, TaskConfig } from '../../src/plugin/index.ts';
import { errorMessage } from '../../src/plugin/index.ts';
import { type PostgresSourceConfig, type PostgresSourceFields, postgresSourceConfig } from './config.ts';
import { connect } from './connection.ts';
import { describeSource } from './describe.ts';
import { databaseError } from './errors.ts';
import { postgresOriginalKeys } from './original-keys.ts';
import { forgetReader, releasePublication } from './publication.ts';
import { dropSlot, slotWal } from './slot.ts';
import { PostgresSourceTask } from './task.ts';
import { CONNECTOR_VERSION } from './version.ts';

// The PostgreSQL source plugin. One task per connector: a logical replication slot has one reader.

async function withClient<T>(
  config: PostgresSourceConfig,
  doing: string,
  run: (client: pg.Client) => Promise<T>,
): Promise<T> {
  const client = await connect(config, 'admin').catch((error: unknown) => {
    throw databaseError(error, `connecting for ${doing}`);
  });
  try {
    return await run(client);
  } catch (error) {
    throw databaseError(error, `${doing}: ${errorMessage(error)}`);
  } finally {
    await client.end().catch(() => {});
  }
}

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

  /**
   * Deleting the connector drops its slot (slot.drop.on.delete, or Debezium's slot.drop.on.stop) so
   * no orphan keeps WAL until the disk fills, and the publication it created once no other slot
   * recorded on it remains.
   */
  async onDeleted(config: PostgresSourceConfig): Promise<void> {
    if (!config['slot.drop.on.delete'] && !config['slot.drop.on.stop']) return;
    await withClient(config, `dropping slot "${config['slot.name']}"`, async (client) => {
      await dropSlot(client, config['slot.name']);
      if (config['slot.drop.on.delete'])
        await releasePublication(client, config['publication.name'], config['slot.name']);
    });
  },

  /** A changed slot.name leaves the old slot behind: dropped (slot.drop.on.delete) or reported. */
  async onReconfigured(before: PostgresSourceConfig, after: PostgresSourceConfig): Promise<FieldError[]> {
    const moved = ['database.hostname', 'database.port', 'database.dbname'].some(
      (key) => before[key as keyof PostgresSourceConfig] !== after[key as keyof PostgresSourceConfig],
    );
    const slotChanged = moved || before['slot.name'] !== after['slot.name'];
    const publicationChanged = moved || before['publication.name'] !== after['publication.name'];
    if (!slotChanged && !publicationChanged) return [];
    const old = before['slot.name'];
    return await withClient(before, `checking the previous slot "${old}"`, async (client) => {
      const warnings: FieldError[] = [];
      const slot = slotChanged ? await slotWal(client, old) : undefined;
      if (slot && after['slot.drop.on.delete'] && !slot.active) {
        await dropSlot(client, old);
        if (!publicationChanged) await forgetReader(client, before['publication.name'], old);
        warnings.push({
          field: 'slot.name',
          message: `Dropped replication slot "${old}", which this connector used before slot.name changed to "${after['slot.name']}" (it retained ${slot.retainedBytes} bytes of WAL); set slot.drop.on.delete=false to keep an old slot`,
        });
      } else if (slot) {
        warnings.push({
          field: 'slot.name',
          message: `Replication slot "${old}" is no longer used by this connector (slot.name is now "${after['slot.name']}") but still retains ${slot.retainedBytes} bytes of WAL${slot.active ? ' and is in use by another connection' : ''}: PostgreSQL keeps WAL for it until it is dropped (SELECT pg_drop_replication_slot('${old}')) and the disk can fill`,
        });
      }
      if (publicationChanged && after['slot.drop.on.delete']) {
        const released = await releasePublication(client, before['publication.name'], old);
        if (released === 'dropped')
          warnings.push({
            field: 'publication.name',
            message: `Dropped publication "${before['publication.name']}", which this connector created and no other slot reads`,
          });
      }
      return warnings;
    });
  },

  createTask() {
    return new PostgresSourceTask();
  },

  describe: describeSource,
};
