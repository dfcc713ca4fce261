import { connectorPlugins } from '../../connectors/index.ts';
import type { SourcePlugin, SourceRecord } from '../../src/plugin/index.ts';
import { defineConfig, field } from '../../src/plugin/index.ts';

// The cluster-scale benchmark's connector (a test plugin, bench only): each task emits one small
// record every tick.interval.ms and resumes from its stored offset, so a task that moves goes on
// from its last committed tick. Loaded into a worker with `node --import` before src/main.ts builds
// its plugin registry: it appends itself to the list the registry is built from (connectors/index.ts).

const tickConfig = defineConfig({
  topic: field.string({ doc: 'Topic the ticks go to', default: 'scale-ticks' }),
  'tick.interval.ms': field.int({ doc: 'Milliseconds between two ticks', default: 10_000 }),
});

export const tickSourcePlugin: SourcePlugin<typeof tickConfig.fields> = {
  name: 'tick-source',
  aliases: ['bench.TickSource'],
  kind: 'source',
  version: '0.0.1',
  config: tickConfig,
  planTasks: () => [{}],
  createTask() {
    let topic = '';
    let interval = 10_000;
    let connector = '';
    let seq = 0;
    let due = 0;
    return {
      async start(config, context, from) {
        topic = config.topic;
        interval = config['tick.interval.ms'];
        connector = context.connector;
        const stored = from[0]?.offset.seq;
        seq = typeof stored === 'number' ? stored + 1 : 0;
        due = Date.now();
      },
      async poll(signal) {
        const wait = Math.min(1_000, Math.max(0, due - Date.now()));
        if (wait > 0) {
          await new Promise<void>((resolve) => {
            const timer = setTimeout(done, wait);
            function done() {
              clearTimeout(timer);
              signal.removeEventListener('abort', done);
              resolve();
            }
            signal.addEventListener('abort', done, { once: true });
          });
        }
        if (Date.now() < due || signal.aborted) return [];
        due += interval;
        const record: SourceRecord = {
          topic,
          key: { schema: { type: 'string' }, value: connector },
          value: { schema: { type: 'int32' }, value: seq },
          sourcePartition: { ticker: connector },
          sourceOffset: { seq },
        };
        seq += 1;
        return [record];
      },
      async commit() {},
      async stop() {},
    };
  },
};

(connectorPlugins as unknown as SourcePlugin<typeof tickConfig.fields>[]).push(tickSourcePlugin);
