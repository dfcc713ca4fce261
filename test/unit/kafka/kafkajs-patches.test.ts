import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { crc32c, fastEncoder, type KafkajsEncoderClass } from '../../../src/kafka/kafkajs-patches.ts';
import { waitFor } from '../../support/wait-for.ts';

// The speed-ups must produce kafkajs's bytes exactly (the broker checks every batch's CRC, which
// the integration tests exercise); here they are compared with kafkajs's own implementations.
const require = createRequire(import.meta.url);
const kafkajsCrc32c = require('kafkajs/src/protocol/recordBatch/crc32C/crc32C.js') as (
  data: Buffer,
) => number;
const root = join(import.meta.dirname, '..', '..', '..');

describe('kafkajs patches', () => {
  it('computes CRC-32C as kafkajs does, for every length and the standard check value', () => {
    expect(crc32c(Buffer.from('123456789'))).toBe(0xe3069283);
    for (let length = 0; length < 600; length += 1) {
      const data = randomBytes(length);
      expect(crc32c(data), `${length} bytes`).toBe(kafkajsCrc32c(data) >>> 0);
    }
  });

  it('encodes the same bytes as kafkajs’s encoder, across buffer growth', () => {
    const Original = require('kafkajs/src/protocol/encoder.js') as KafkajsEncoderClass;
    const Fast = fastEncoder(Original);
    type Writer = {
      writeInt32(v: number): Writer;
      writeVarIntBytes(v: Buffer): Writer;
      writeString(v: string): Writer;
      buffer: Buffer;
    };
    const write = (encoder: unknown): Buffer => {
      const writer = encoder as Writer;
      for (const size of [3, 700, 5000, 70_000]) {
        writer.writeInt32(size).writeVarIntBytes(randomBytesFor(size)).writeString(`record of ${size}`);
      }
      return writer.buffer;
    };
    const randomBytesFor = (size: number) => Buffer.alloc(size, size % 251);
    const expected = write(new Original());
    expect(write(new Fast())).toEqual(expected);
  });

  it('is in place when the host loads kafkajs through src/kafka', () => {
    const output = execFileSync(
      process.execPath,
      [
        '--input-type=module',
        '-e',
        "const m = await import('./src/kafka/index.ts'); const s = await import('./src/kafka/kafkajs-patches.ts'); console.log(String(s.kafkajsPatchesApplied && typeof m === 'object'))",
      ],
      { cwd: root, encoding: 'utf8' },
    );
    expect(output.trim()).toBe('true');
  });

  it('schedules kafkajs’s first request-queue check without a negative timeout', async () => {
    const { prototype } = require('kafkajs/src/network/requestQueue/index.js') as {
      prototype: { scheduleCheckPendingRequests(this: object): void };
    };
    const warnings: string[] = [];
    const onWarning = (warning: Error) => warnings.push(warning.name);
    process.on('warning', onWarning);
    let checked = false;
    const queue = {
      throttledUntil: -1,
      throttleCheckTimeoutId: null,
      pending: [],
      checkPendingRequests: () => {
        checked = true;
      },
    };
    prototype.scheduleCheckPendingRequests.call(queue);
    await waitFor('the scheduled check', () => checked);
    process.off('warning', onWarning);
    expect(warnings).not.toContain('TimeoutNegativeWarning');
  });
});
