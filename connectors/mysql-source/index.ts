export { type MysqlSourceConfig, mysqlSourceConfig, mysqlSourceFields } from './config.ts';
export { mysqlSourcePlugin } from './connector.ts';
export { MysqlSourceTask } from './task.ts';
