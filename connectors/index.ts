import type { ConnectorPlugin } from '../src/plugin/index.ts';
import { jdbcSinkPlugin } from './jdbc-sink/index.ts';
import { mysqlSourcePlugin } from './mysql-source/index.ts';
import { postgresSourcePlugin } from './postgres-source/index.ts';

// The explicit list of connector plugins the host offers (no directory scanning). A new connector is
// a sibling folder with the same file names and one line here.
export const connectorPlugins: readonly ConnectorPlugin[] = [
  postgresSourcePlugin,
  mysqlSourcePlugin,
  jdbcSinkPlugin,
];
