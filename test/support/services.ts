// Where the integration services are: PG_URL, MYSQL_URL, KAFKA_BROKERS and SCHEMA_REGISTRY_URL, as
// set by test/support/global-setup.ts (or by whoever runs the tests). Workers inherit that env;
// vitest's provide/inject is the fallback should a pool ever not.
import { inject } from 'vitest';
import type { StackEnv } from '../../scripts/stack/index.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    services: StackEnv;
  }
}

export interface Services {
  pgUrl: string;
  mysqlUrl: string;
  kafkaBrokers: string[];
  schemaRegistryUrl: string;
}

function provided(): Partial<StackEnv> {
  try {
    return inject('services') ?? {};
  } catch {
    return {};
  }
}

function setting(name: keyof StackEnv): string {
  const value = process.env[name] || provided()[name];
  if (!value) {
    throw new Error(
      `${name} is not set: run the integration tests through vitest (its global setup sets it) or set it`,
    );
  }
  return value;
}

export function services(): Services {
  return {
    pgUrl: setting('PG_URL'),
    mysqlUrl: setting('MYSQL_URL'),
    kafkaBrokers: setting('KAFKA_BROKERS')
      .split(',')
      .map((broker) => broker.trim())
      .filter((broker) => broker.length > 0),
    schemaRegistryUrl: setting('SCHEMA_REGISTRY_URL').replace(/\/$/, ''),
  };
}
