import { describe, expect, it } from 'vitest';
import { sinkRuntimeDef, sourceRuntimeDef } from '../../../src/host/connector-config.ts';
import {
  ErrorPolicy,
  type ErrorPolicyConfig,
  errorPolicyConfig,
  type FailedRecord,
  ToleranceExceededError,
} from '../../../src/host/error-policy.ts';
import { OnrampError, parseConfig } from '../../../src/plugin/index.ts';

function parseErrorPolicy(raw: Record<string, string>) {
  const parsed = parseConfig(sourceRuntimeDef, raw);
  return { policy: errorPolicyConfig(parsed.values), errors: parsed.errors };
}

const silent = { debug() {}, info() {}, warn() {}, error() {} };

function counters() {
  const counts = new Map<string, number>();
  return {
    counts,
    inc: (name: string, labels: Record<string, string> = {}, by = 1) => {
      const key = `${name}${JSON.stringify(labels)}`;
      counts.set(key, (counts.get(key) ?? 0) + by);
    },
    set() {},
    observe() {},
    sample() {},
  };
}

function policyOf(
  overrides: Partial<ErrorPolicyConfig>,
  deadLetter?: (failure: FailedRecord) => Promise<void>,
) {
  const metrics = counters();
  const config = { ...parseErrorPolicy({}).policy, ...overrides };
  return {
    metrics,
    policy: new ErrorPolicy(config, { log: silent, metrics, ...(deadLetter && { deadLetter }) }),
  };
}

const site = {
  stage: 'VALUE_CONVERTER' as const,
  className: 'io.confluent.connect.avro.AvroConverter',
  origin: () => ({ topic: 't', partition: 2, offset: '41' }),
};
const never = new AbortController().signal;

describe('errorPolicyConfig', () => {
  it('defaults to Kafka Connect defaults', () => {
    expect(parseErrorPolicy({})).toEqual({
      policy: {
        tolerance: 'none',
        retryTimeoutMs: 0,
        retryDelayMaxMs: 60_000,
        logEnable: false,
        logIncludeMessages: false,
        deadLetterTopic: undefined,
        deadLetterReplicationFactor: 3,
        deadLetterContextHeaders: false,
      },
      errors: [],
    });
  });

  it('reads the dead-letter settings of sink connectors', () => {
    const parsed = parseConfig(sinkRuntimeDef, {
      topics: 'orders',
      'errors.tolerance': 'all',
      'errors.deadletterqueue.topic.name': 'orders-dlq',
      'errors.deadletterqueue.context.headers.enable': 'true',
    });
    expect(parsed.errors).toEqual([]);
    expect(errorPolicyConfig(parsed.values)).toMatchObject({
      tolerance: 'all',
      deadLetterTopic: 'orders-dlq',
      deadLetterReplicationFactor: 3,
      deadLetterContextHeaders: true,
    });
  });

  it('reports every invalid setting by name', () => {
    const { errors } = parseErrorPolicy({
      'errors.tolerance': 'some',
      'errors.retry.timeout': '-5',
      'errors.log.enable': 'yes',
    });
    expect(errors.map((error) => error.field).sort()).toEqual([
      'errors.log.enable',
      'errors.retry.timeout',
      'errors.tolerance',
    ]);
  });
});

describe('ErrorPolicy', () => {
  it('fails with the record coordinates and cause under tolerance=none', async () => {
    const { policy, metrics } = policyOf({});
    const error = await policy
      .execute(
        site,
        () => {
          throw new OnrampError('CONVERSION_FAILED', 'bad magic byte');
        },
        never,
      )
      .catch((reason: unknown) => reason);
    expect(error).toBeInstanceOf(ToleranceExceededError);
    expect((error as OnrampError).code).toBe('CONVERSION_FAILED');
    expect((error as OnrampError).retriable).toBe(false);
    expect((error as Error).message).toBe(
      'Tolerance exceeded in error handler: VALUE_CONVERTER failed in io.confluent.connect.avro.AvroConverter for record topic=t, partition=2, offset=41: bad magic byte',
    );
    expect(metrics.counts.get('errors_total{"stage":"VALUE_CONVERTER"}')).toBe(1);
  });

  it('skips the record and hands it to the dead-letter queue under tolerance=all', async () => {
    const letters: FailedRecord[] = [];
    const { policy } = policyOf({ tolerance: 'all' }, async (failure) => {
      letters.push(failure);
    });
    const result = await policy.execute(
      site,
      () => {
        throw new Error('nope');
      },
      never,
    );
    expect(result).toBeUndefined();
    expect(letters).toHaveLength(1);
    expect(letters[0]?.origin).toEqual({ topic: 't', partition: 2, offset: '41' });
    expect(letters[0]?.stage).toBe('VALUE_CONVERTER');
  });

  it('never tolerates a fatal failure (a breaking change of a published product), even under tolerance=all', async () => {
    const letters: FailedRecord[] = [];
    const { policy } = policyOf({ tolerance: 'all' }, async (failure) => {
      letters.push(failure);
    });
    const breaking = new OnrampError('PRODUCT_BREAKING_CHANGE', 'Data product p: column c: dropped-column');
    await expect(
      policy.execute(
        site,
        () => {
          throw breaking;
        },
        never,
      ),
    ).rejects.toBe(breaking);
    expect(letters).toEqual([]);
  });

  it('retries a retriable failure in place within errors.retry.timeout', async () => {
    const { policy } = policyOf({ retryTimeoutMs: 5_000, retryDelayMaxMs: 5 });
    let calls = 0;
    const result = await policy.execute(
      site,
      () => {
        calls += 1;
        if (calls < 3) throw new OnrampError('REGISTRY_UNAVAILABLE', 'down');
        return 'ok';
      },
      never,
    );
    expect(result).toBe('ok');
    expect(calls).toBe(3);
  });

  it('never tolerates a retriable failure: it is rethrown for the task to restart, even with tolerance=all', async () => {
    const { policy } = policyOf({ tolerance: 'all' });
    const down = new OnrampError('REGISTRY_UNAVAILABLE', 'down');
    await expect(policy.execute(site, () => Promise.reject(down), never)).rejects.toBe(down);
  });
});
