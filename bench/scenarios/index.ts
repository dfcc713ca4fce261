import { mysqlSink, pgSink } from '../sink.ts';
import { ceilings } from './ceilings.ts';
import { kafkaClients } from './kafka-clients.ts';
import { mysqlSnapshot } from './mysql-snapshot.ts';
import { mysqlStream } from './mysql-stream.ts';
import { pgSnapshot } from './pg-snapshot.ts';
import { pgStream } from './pg-stream.ts';
import type { Scenario } from './scenario.ts';

// Every comparison scenario, by name. A new one (mysql-stream, mysql-snapshot, mysql-sink, pg-sink)
// is a file in this folder plus a line here.
export const scenarios: readonly Scenario[] = [
  pgStream,
  pgSnapshot,
  ceilings,
  mysqlStream,
  mysqlSnapshot,
  mysqlSink,
  pgSink,
  kafkaClients,
];
