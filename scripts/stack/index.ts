// The local stack as a library: `stackUp()` for test setup and the demo, and the pieces behind
// `npm run stack -- up|down|status|env`. Each service is left alone when its pid file is ours and its
// real check passes, so a second `up` takes about a second.
import { ownedPid } from './daemon.ts';
import { type StackEnv, stackEnv } from './endpoints.ts';
import { kafka } from './kafka.ts';
import { kafkaLegacy } from './kafka-legacy.ts';
import { kafkaHome } from './kafka-paths.ts';
import { saslPassword } from './kafka-sasl.ts';
import { ensureKafkaTls } from './kafka-tls.ts';
import { ensureStackDirs, stackPath } from './layout.ts';
import { mariadb } from './mariadb.ts';
import { isPortOpen } from './port.ts';
import { postgres } from './postgres.ts';
import { say } from './say.ts';
import { schemaRegistry } from './schema-registry.ts';
import type { StackService } from './service.ts';
import { StackError } from './stack-error.ts';
import { withUpLock } from './up-lock.ts';
import { waitUntil } from './wait-until.ts';

export type { DatabaseTlsEnv, KafkaExtrasEnv, ServiceEnv, StackEnv, TestEnv } from './endpoints.ts';
export { STACK_ENV, STACK_ENV_NAMES, stackEnv } from './endpoints.ts';
export { stackDir } from './layout.ts';
export { StackError } from './stack-error.ts';

/** In start order; `down` goes the other way. */
export const SERVICES: readonly StackService[] = [postgres, mariadb, kafka, kafkaLegacy, schemaRegistry];

function runningPid(service: StackService): number | undefined {
  return ownedPid(service.name, service.processMatch) ?? service.adopt?.();
}

/** Installs what is missing; quick (no network) when the installs are in place. */
async function install(service: StackService): Promise<void> {
  if (runningPid(service) === undefined) await service.install();
}

async function ensureRunning(service: StackService): Promise<void> {
  const pid = runningPid(service);
  if (pid !== undefined) {
    if (await service.isReady()) {
      say(`${service.title}: already running (pid ${pid})`);
      await service.refresh?.();
      return;
    }
    say(`${service.title}: running (pid ${pid}) but not answering yet; waiting...`);
    await waitUntil(`${service.title} answering`, service.isReady, {
      timeoutMs: 120_000,
      service: service.name,
    });
    return;
  }
  if (await isPortOpen(service.port)) {
    throw new StackError(
      `${service.title}: port ${service.port} is in use by a process the stack did not start ` +
        `(no live pid file in ${stackPath('run')}); stop it, or set PG_URL, MYSQL_URL, KAFKA_BROKERS ` +
        'and SCHEMA_REGISTRY_URL to use existing services',
    );
  }
  try {
    await service.start();
  } catch (error) {
    // A half-started process would make the next `up` wait on it; stop it so that one starts clean.
    await service.stop().catch(() => false);
    throw error;
  }
  say(`${service.title}: ready at ${service.endpoint}`);
}

async function settle(tasks: Promise<void>[]): Promise<void> {
  const failures = (await Promise.allSettled(tasks)).flatMap((result) =>
    result.status === 'rejected'
      ? [result.reason instanceof Error ? result.reason.message : String(result.reason)]
      : [],
  );
  if (failures.length > 0) throw new StackError(failures.join('\n\n'));
}

/** Installs what is missing, starts what is not running, and resolves once all of them answer. */
export async function stackUp(): Promise<StackEnv> {
  ensureStackDirs();
  return await withUpLock(bringUp);
}

async function bringUp(): Promise<StackEnv> {
  say(`stack folder ${stackPath()} (logs in ${stackPath('logs')})`);
  const installed = new Map(SERVICES.map((service) => [service, install(service)]));
  const up = async (service: StackService, after: Promise<void>[] = []) => {
    await installed.get(service);
    await Promise.all(after);
    await ensureRunning(service);
  };
  const postgresUp = up(postgres);
  const kafkaUp = up(kafka, [postgresUp.catch(() => undefined)]);
  await settle([
    postgresUp,
    up(mariadb, [postgresUp.catch(() => undefined)]),
    kafkaUp,
    // After the main broker: two JVMs starting at once on a small machine only slow each other down.
    up(kafkaLegacy, [kafkaUp.catch(() => undefined)]),
    up(schemaRegistry, [
      postgresUp.catch(() => {
        throw new StackError(`${schemaRegistry.title}: not started, it stores its schemas in PostgreSQL`);
      }),
    ]),
  ]);
  return stackEnv();
}

/**
 * Only the 4.4 broker's TLS files and SASL password, starting nothing: docker-compose.yml mounts them,
 * so that the same KAFKA_CA_FILE and KAFKA_SASL_PASSWORD work against its broker. Returns the folder.
 */
export async function stackKafkaSecrets(): Promise<string> {
  ensureStackDirs();
  return await withUpLock(async () => {
    await ensureKafkaTls();
    saslPassword();
    return kafkaHome();
  });
}

/** Stops the services whose pid files we own (registry first, PostgreSQL last). */
export async function stackDown(): Promise<string[]> {
  const stopped: string[] = [];
  for (const service of [...SERVICES].reverse()) {
    if (runningPid(service) === undefined) continue;
    say(`${service.title}: stopping...`);
    if (await service.stop()) stopped.push(service.name);
  }
  return stopped;
}

export interface ServiceStatus {
  name: string;
  title: string;
  endpoint: string;
  state: 'running' | 'not answering' | 'stopped' | 'port taken by another process';
  pid?: number;
}

export async function stackStatus(): Promise<ServiceStatus[]> {
  return await Promise.all(
    SERVICES.map(async (service): Promise<ServiceStatus> => {
      const base = { name: service.name, title: service.title, endpoint: service.endpoint };
      const pid = runningPid(service);
      if (pid !== undefined)
        return { ...base, pid, state: (await service.isReady()) ? 'running' : 'not answering' };
      return {
        ...base,
        state: (await isPortOpen(service.port)) ? 'port taken by another process' : 'stopped',
      };
    }),
  );
}
