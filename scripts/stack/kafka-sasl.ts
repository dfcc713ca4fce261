// The SASL user of the 4.4 broker's SASL_SSL listener: `onramp` with a password generated once and kept
// in <stack>/kafka-4.4/sasl-password, valid for SCRAM-SHA-512, SCRAM-SHA-256 and PLAIN. SCRAM
// credentials live in the KRaft metadata: a fresh data folder gets them at format time
// (`--add-scram`), and after every start a real SCRAM login checks them; a mechanism that is refused
// (a folder formatted without them, a password file replaced) gets its credential set through the
// Admin API (Kafka's ConfigCommand), which is idempotent.
import { randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { TopicAdmin } from '../../src/kafka/topic-admin.ts';
import { OnrampError } from '../../src/plugin/errors.ts';
import { kafkaHome, tlsPath } from './kafka-paths.ts';
import { ensureDir } from './layout.ts';
import { say } from './say.ts';
import { StackError } from './stack-error.ts';
import { waitUntil } from './wait-until.ts';

export const SASL_USERNAME = 'onramp';
export const SCRAM_MECHANISMS = ['SCRAM-SHA-512', 'SCRAM-SHA-256'] as const;
type ScramMechanism = (typeof SCRAM_MECHANISMS)[number];

/** Reads the password, creating it on first use (also by `env` before any `up`, so both agree). */
export function saslPassword(): string {
  const file = join(ensureDir(kafkaHome()), 'sasl-password');
  try {
    // 'wx': of two processes creating it at once, one wins and the other reads the winner's.
    // base64url: safe inside JAAS quotes, ConfigCommand's [password=...] and shell assignments.
    writeFileSync(file, randomBytes(24).toString('base64url'), { flag: 'wx', mode: 0o600 });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  }
  return readFileSync(file, 'utf8').trim();
}

/** kafka-storage format arguments that put the SCRAM credentials into a fresh metadata log. */
export function scramFormatArgs(): string[] {
  return SCRAM_MECHANISMS.flatMap((mechanism) => [
    '--add-scram',
    `${mechanism}=[name=${SASL_USERNAME},password=${saslPassword()}]`,
  ]);
}

/** True when the broker accepts a SCRAM login as `onramp`, false when it refuses the credentials. */
async function scramLoginAccepted(broker: string, mechanism: ScramMechanism): Promise<boolean> {
  // The host's own admin client, logging in as a host configured for this listener would.
  const admin = new TopicAdmin({
    brokers: [broker],
    clientId: 'onramp-stack',
    securityProtocol: 'SASL_SSL',
    tls: { ca: [readFileSync(tlsPath('ca.pem'), 'utf8')], verifyHostname: true },
    sasl: { mechanism, username: SASL_USERNAME, password: saslPassword() },
  });
  try {
    await admin.clusterId();
    return true;
  } catch (error) {
    if (error instanceof OnrampError && error.code === 'KAFKA_AUTHENTICATION_FAILED') return false;
    // Anything else (TLS, connection) is not fixed by creating a user: say what it was.
    throw new StackError(
      `Kafka: ${mechanism} login check on ${broker} failed: ${error instanceof Error ? error.message : String(error)}`,
    );
  } finally {
    await admin.close();
  }
}

/**
 * Makes sure `onramp` can log in with both SCRAM mechanisms on `secureBroker`; `setCredential` runs
 * Kafka's ConfigCommand against the plaintext listener (one mechanism per call: Kafka refuses to alter
 * one user twice in one request).
 */
export async function ensureScramUser(
  secureBroker: string,
  setCredential: (configCommandArgs: string[]) => Promise<void>,
  service: string,
): Promise<void> {
  for (const mechanism of SCRAM_MECHANISMS) {
    if (await scramLoginAccepted(secureBroker, mechanism)) continue;
    say(`Kafka: creating the ${mechanism} credential of '${SASL_USERNAME}'...`);
    await setCredential([
      '--alter',
      '--entity-type',
      'users',
      '--entity-name',
      SASL_USERNAME,
      '--add-config',
      `${mechanism}=[password=${saslPassword()}]`,
    ]);
    // The credential reaches the listener through the metadata log, a moment after the call returns.
    await waitUntil(
      `a ${mechanism} login as '${SASL_USERNAME}'`,
      () => scramLoginAccepted(secureBroker, mechanism),
      { timeoutMs: 30_000, service },
    );
  }
}
