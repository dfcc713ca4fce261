// Where the two brokers keep their jars, data, config and secrets: one folder per Kafka version. A
// KRaft data folder is never shared between versions (its metadata log cannot be moved from 3.9 to 4.x
// and back in place), so switching the default broker to 4.4 starts it on a fresh folder and leaves
// an older <stack>/kafka (3.9, from before) untouched.
import { join } from 'node:path';
import { stackPath } from './layout.ts';

/** Kafka 4.4, the default broker (plaintext and the secured listeners). */
export const kafkaHome = (): string => stackPath('kafka-4.4');

/** Kafka 3.9, the legacy broker kept so that both major versions stay tested. */
export const legacyKafkaHome = (): string => stackPath('kafka-3.9');

/** The 4.4 broker's generated CA, certificates and keys (PEM). */
export const tlsPath = (file: string): string => join(kafkaHome(), 'tls', file);
