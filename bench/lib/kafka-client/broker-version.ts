import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { dirname, isAbsolute, join } from 'node:path';
import { findPids } from '../proc-usage.ts';

/**
 * The Apache Kafka version of the broker on this machine that listens on `port`: the
 * kafka-clients-<version>.jar on the classpath of the kafka.Kafka process whose server.properties
 * lists that port. 'unknown' when no such local process is found.
 */
export function localBrokerVersion(port: number): string {
  for (const pid of findPids('java', 'kafka.Kafka')) {
    try {
      const args = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean);
      const cwd = readlinkSync(`/proc/${pid}/cwd`);
      const at = (path: string) => (isAbsolute(path) ? path : join(cwd, path));
      const properties = readFileSync(at(args[args.length - 1] ?? ''), 'utf8');
      if (!new RegExp(`^listeners=.*:${port}\\b`, 'm').test(properties)) continue;
      const classpath = args[args.indexOf('-cp') + 1] ?? '';
      for (const entry of classpath.split(':')) {
        const folder = at(entry.endsWith('*') ? dirname(entry) : entry);
        for (const name of readdirSync(folder)) {
          const version = /^kafka-clients-(.+)\.jar$/.exec(name)?.[1];
          if (version) return version;
        }
      }
    } catch {}
  }
  return 'unknown';
}
