import { openFileStores } from '../../src/stores/file-store.ts';

// Child process for test/integration/store-durability.test.ts: writes connector configs and source
// offsets in a tight loop and prints "ack <seq>" only after every put of that round resolved (is
// durable). The test kills it with SIGKILL mid-write and checks every acknowledged value survived.
//
// Usage: node test/support/store-writer.ts <dataDir> <firstSeq>

const [dataDir, first] = process.argv.slice(2);
if (!dataDir || !first) {
  process.stderr.write('usage: store-writer.ts <dataDir> <firstSeq>\n');
  process.exit(2);
}

const CONNECTORS = 4;
const PARTITIONS = 3;

const stores = await openFileStores(dataDir);
for (let seq = Number(first); ; seq++) {
  // Several concurrent puts per round, so the per-file write queues see overlapping writes.
  const name = `conn ${seq % CONNECTORS}/ü`;
  await Promise.all([
    stores.configs.put({
      name,
      config: {
        name,
        'connector.class': 'Test',
        seq: String(seq),
        padding: 'x'.repeat((seq * 7919) % 50_000),
      },
      targetState: 'STARTED',
      tasks: [{ seq: String(seq) }],
    }),
    stores.offsets.put('writer', [{ partition: { p: seq % PARTITIONS }, offset: { seq } }]),
    stores.offsets.put('writer', [{ partition: { p: (seq + 1) % PARTITIONS }, offset: { seq } }]),
    stores.statuses.putTask(name, 0, { state: 'RUNNING', workerId: 'w', trace: String(seq) }),
  ]);
  process.stdout.write(`ack ${seq}\n`);
}
