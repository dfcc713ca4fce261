import { createRequire } from 'node:module';

// The kafkajs patches Onramp ran its producer with until it moved to @platformatic/kafka
// (src/kafka/kafkajs-patches.ts as of commit 9f792cb; src/ now keeps only the request-queue fix),
// kept here so the kafka-clients benchmark measures kafkajs the way Onramp used it:
// - encoders on Buffer.allocUnsafe (pooled below 4 KB) instead of a zero-filled Buffer.alloc per
//   record and per growth, and a slicing-by-8 CRC-32C instead of a byte-at-a-time one (the same
//   bytes; together a third of a streaming source's CPU in a profile with ~3 KB JSON records);
// - the request queue's first check delay kept positive (Node 24's TimeoutNegativeWarning).
// They replace modules in the CommonJS cache, so this must be imported before kafkajs loads them:
// lib/kafka-client/kafkajs.ts imports it first.

const require = createRequire(import.meta.url);

export interface KafkajsEncoder {
  buf: Buffer;
  offset: number;
  ensureAvailable(length: number): void;
}
export interface KafkajsEncoderClass {
  new (initialSize?: number): KafkajsEncoder;
  nextPowerOfTwo(value: number): number;
}

const CASTAGNOLI = 0x82f63b78;
const TABLES = (() => {
  const tables = new Int32Array(8 * 256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ CASTAGNOLI : c >>> 1;
    tables[n] = c;
  }
  for (let n = 0; n < 256; n++) {
    let c = tables[n] as number;
    for (let t = 1; t < 8; t++) {
      c = (tables[c & 0xff] as number) ^ (c >>> 8);
      tables[t * 256 + n] = c;
    }
  }
  return Array.from({ length: 8 }, (_, t) => tables.subarray(t * 256, (t + 1) * 256));
})();

/** CRC-32C (Castagnoli) of `data`, unsigned, as Kafka's record batches carry it. */
export function crc32c(data: Uint8Array): number {
  const [t0, t1, t2, t3, t4, t5, t6, t7] = TABLES as [
    Int32Array,
    Int32Array,
    Int32Array,
    Int32Array,
    Int32Array,
    Int32Array,
    Int32Array,
    Int32Array,
  ];
  let crc = -1;
  let i = 0;
  const whole = data.length - (data.length & 7);
  for (; i < whole; i += 8) {
    const one =
      crc ^
      ((data[i] as number) |
        ((data[i + 1] as number) << 8) |
        ((data[i + 2] as number) << 16) |
        ((data[i + 3] as number) << 24));
    crc =
      (t7[one & 0xff] as number) ^
      (t6[(one >>> 8) & 0xff] as number) ^
      (t5[(one >>> 16) & 0xff] as number) ^
      (t4[one >>> 24] as number) ^
      (t3[data[i + 4] as number] as number) ^
      (t2[data[i + 5] as number] as number) ^
      (t1[data[i + 6] as number] as number) ^
      (t0[data[i + 7] as number] as number);
  }
  for (; i < data.length; i++) crc = (t0[(crc ^ (data[i] as number)) & 0xff] as number) ^ (crc >>> 8);
  return (crc ^ -1) >>> 0;
}

function replaceCached(request: string, replace: (original: unknown) => unknown): boolean {
  const path = require.resolve(request);
  const alreadyLoaded = path in require.cache;
  const original: unknown = require(path);
  const entry = require.cache[path];
  if (entry) entry.exports = replace(original);
  return !alreadyLoaded;
}

export function fastEncoder(original: unknown): KafkajsEncoderClass {
  const Encoder = original as KafkajsEncoderClass;
  return class FastEncoder extends Encoder {
    constructor(initialSize = 511) {
      super(0);
      this.buf = Buffer.allocUnsafe(Encoder.nextPowerOfTwo(initialSize));
    }

    override ensureAvailable(length: number): void {
      if (this.offset + length <= this.buf.length) return;
      const grown = Buffer.allocUnsafe(Encoder.nextPowerOfTwo(this.offset + length));
      this.buf.copy(grown, 0, 0, this.offset);
      this.buf = grown;
    }
  };
}

interface KafkajsRequestQueue {
  throttledUntil: number;
  throttleCheckTimeoutId: NodeJS.Timeout | null;
  pending: unknown[];
  checkPendingRequests(): void;
}

/** kafkajs's RequestQueue.scheduleCheckPendingRequests with the delay kept positive. */
function scheduleCheckPendingRequests(this: KafkajsRequestQueue): void {
  if (this.throttleCheckTimeoutId) return;
  let delay = this.throttledUntil - Date.now();
  if (this.pending.length > 0 && delay <= 0) delay = CHECK_PENDING_REQUESTS_INTERVAL_MS;
  this.throttleCheckTimeoutId = setTimeout(
    () => {
      this.throttleCheckTimeoutId = null;
      this.checkPendingRequests();
    },
    Math.max(1, delay),
  );
}
const CHECK_PENDING_REQUESTS_INTERVAL_MS = 10;

const requestQueue = require('kafkajs/src/network/requestQueue/index.js') as {
  prototype: { scheduleCheckPendingRequests: typeof scheduleCheckPendingRequests };
};
requestQueue.prototype.scheduleCheckPendingRequests = scheduleCheckPendingRequests;

const recordBatchPath = require.resolve('kafkajs/src/protocol/recordBatch/v0/index.js');
/** False when kafkajs's protocol modules were loaded before this module (they keep the originals). */
export const kafkajsPatchesApplied =
  !(recordBatchPath in require.cache) &&
  replaceCached('kafkajs/src/protocol/encoder.js', fastEncoder) &&
  replaceCached('kafkajs/src/protocol/recordBatch/crc32C/index.js', () => crc32c);
