// The four addresses tests, benchmarks and the demo read (by these environment variable names).
export interface StackEnv {
  PG_URL: string;
  MYSQL_URL: string;
  KAFKA_BROKERS: string;
  SCHEMA_REGISTRY_URL: string;
}

export const STACK_ENV: StackEnv = {
  PG_URL: 'postgres://onramp:onramp@127.0.0.1:5432/onramp',
  MYSQL_URL: 'mysql://onramp:onramp@127.0.0.1:3306/onramp',
  KAFKA_BROKERS: '127.0.0.1:9092',
  SCHEMA_REGISTRY_URL: 'http://127.0.0.1:8081',
};

export const STACK_ENV_NAMES = ['PG_URL', 'MYSQL_URL', 'KAFKA_BROKERS', 'SCHEMA_REGISTRY_URL'] as const;
