export { type JdbcSinkConfig, jdbcSinkConfig, jdbcSinkFields } from './config.ts';
export { jdbcSinkPlugin } from './connector.ts';
export { JdbcSinkTask } from './task.ts';
