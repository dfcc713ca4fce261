export { type PostgresSourceConfig, postgresSourceConfig, postgresSourceFields } from './config.ts';
export { postgresSourcePlugin } from './connector.ts';
export { PostgresSourceTask } from './task.ts';
