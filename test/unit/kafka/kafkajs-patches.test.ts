import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import '../../../src/kafka/kafkajs-patches.ts';
import { waitFor } from '../../support/wait-for.ts';

const require = createRequire(import.meta.url);

describe('kafkajs patches', () => {
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
