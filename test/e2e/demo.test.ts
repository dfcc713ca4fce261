import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { freePort } from '../support/host-process.ts';
import { services } from '../support/services.ts';

// `npm run demo -- --once` is the newcomer's first command: legacy PostgreSQL inventory database ->
// PostgreSQL source -> Kafka -> JDBC sink -> MariaDB, with a live workload, the inventory published as
// the data product inventory.inventory-changes (its emails hashed downstream). It must exit 0 once
// the downstream tables equal the upstream ones, say where to see the product, and leave nothing of
// its own running.

describe('npm run demo -- --once', () => {
  it('syncs the inventory database into MariaDB, says so, and stops everything it started', async () => {
    const port = await freePort();
    const result = spawnSync(process.execPath, ['scripts/demo.ts', '--once', '--seconds', '3'], {
      cwd: join(import.meta.dirname, '..', '..'),
      env: {
        ...process.env,
        ONRAMP_REST_PORT: String(port),
        ONRAMP_DATA_DIR: mkdtempSync(join(tmpdir(), 'onramp-demo-')),
      },
      encoding: 'utf8',
      timeout: 170_000,
    });
    expect(result.stdout).toContain('snapshot done: 750 rows published to Kafka');
    expect(result.stdout).toMatch(/events\/s {2}lag +\d+ ms {2}customers \d+\/\d+/);
    expect(result.stdout).toMatch(
      /MariaDB inventory_replica equals the PostgreSQL inventory tables after \d+ live changes/,
    );
    expect(result.stdout).toContain(`curl -s 'http://127.0.0.1:${port}/connectors?expand=status'`);
    // The inventory database is published as a data product, and the demo says where to see it.
    expect(result.stdout).toMatch(/personal data suggested: inventory\.customers\.\w+ \(\w+\)/);
    expect(result.stdout).toContain('inventory.inventory-changes published');
    expect(result.stdout).toContain(
      `curl -s http://127.0.0.1:${port}/products/inventory.inventory-changes/contract`,
    );
    expect(result.status).toBe(0);
    // The host is gone and the demo's replication slot was dropped with its connector.
    await expect(fetch(`http://127.0.0.1:${port}/health`)).rejects.toThrow();
    const db = new pg.Client({ connectionString: services().pgUrl });
    await db.connect();
    try {
      const { rows } = await db.query(
        "SELECT slot_name FROM pg_replication_slots WHERE slot_name = 'inventory'",
      );
      expect(rows).toEqual([]);
    } finally {
      await db.end();
    }
  }, 180_000);
});
