// vitest globalSetup for integration, conformance and e2e tests: find or start PostgreSQL, MariaDB,
// Kafka and a schema registry, then hand their addresses to the tests (process.env and provide).
//   1. all four of PG_URL, MYSQL_URL, KAFKA_BROKERS, SCHEMA_REGISTRY_URL set: use them;
//   2. else a Docker engine answers: testcontainers (stopped after the run);
//   3. else the local stack (scripts/stack), left running: it is shared and fast to reuse.
// The stack's other names (KAFKA_LEGACY_BROKERS, KAFKA_SECURE_BROKERS, ...) come along when given.
import type { TestProject } from 'vitest/node';
import { STACK_ENV_NAMES, stackUp, type TestEnv } from '../../scripts/stack/index.ts';
import './services.ts';

function givenEnv(): TestEnv | undefined {
  const { PG_URL, MYSQL_URL, KAFKA_BROKERS, SCHEMA_REGISTRY_URL } = process.env;
  if (PG_URL && MYSQL_URL && KAFKA_BROKERS && SCHEMA_REGISTRY_URL) {
    const extras = STACK_ENV_NAMES.flatMap((name) => (process.env[name] ? [[name, process.env[name]]] : []));
    return { ...Object.fromEntries(extras), PG_URL, MYSQL_URL, KAFKA_BROKERS, SCHEMA_REGISTRY_URL };
  }
  return undefined;
}

export default async function setup(project: TestProject): Promise<(() => Promise<void>) | undefined> {
  let env = givenEnv();
  let teardown: (() => Promise<void>) | undefined;
  if (!env) {
    const { containerEngineAnswers, containersUp } = await import('../../scripts/stack/containers.ts');
    if (await containerEngineAnswers()) {
      const containers = await containersUp();
      env = containers.env;
      teardown = containers.stop;
    } else {
      env = await stackUp();
    }
  }
  Object.assign(process.env, env);
  project.provide('services', env);
  return teardown;
}
