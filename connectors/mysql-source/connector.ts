import type { SourcePlugin, TaskConfig } from '../../src/plugin/index.ts';
import { type MysqlSourceConfig, type MysqlSourceFields, mysqlSourceConfig } from './config.ts';
import { describeSource } from './describe.ts';
import { mysqlOriginalKeys } from './original-keys.ts';
import { MysqlSourceTask } from './task.ts';
import { CONNECTOR_VERSION } from './version.ts';

// The MySQL/MariaDB source plugin. One task per connector: a binlog has one reader.

export const mysqlSourcePlugin: SourcePlugin<MysqlSourceFields> = {
  name: 'mysql-source',
  originalKeys: mysqlOriginalKeys,
  aliases: [
    'io.debezium.connector.mysql.MySqlConnector',
    'MySqlConnector',
    'io.debezium.connector.mariadb.MariaDbConnector',
    'MariaDbConnector',
  ],
  kind: 'source',
  version: CONNECTOR_VERSION,
  config: mysqlSourceConfig,

  planTasks(_config: MysqlSourceConfig, _maxTasks: number): TaskConfig[] {
    return [{}];
  },

  createTask() {
    return new MysqlSourceTask();
  },

  describe: describeSource,
};
