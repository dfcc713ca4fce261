import { createRequire } from 'node:module';

// kafkajs is frozen at 2.2.4 (no release since 2023) and now only runs the sink consumers (producers
// and admin clients are @platformatic/kafka). What needs fixing in it for that is fixed here:
// - Node 24: its request queue schedules its first check at `-1 - Date.now()` ms, which Node
//   clamps to 1 ms but reports as a TimeoutNegativeWarning on stderr; the delay is clamped here.
// src/kafka/kafkajs.ts imports this first and is the one place the rest of src/kafka takes kafkajs from.

const require = createRequire(import.meta.url);

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
