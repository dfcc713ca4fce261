import { describe, expect, it } from 'vitest';
import type { TaskStatus } from '../../../src/host/task-runner.ts';
import { type Attempt, TaskSupervisor } from '../../../src/host/task-supervisor.ts';
import { OnrampError } from '../../../src/plugin/index.ts';
import { waitFor } from '../../support/wait-for.ts';

const silent = { debug() {}, info() {}, warn() {}, error() {} };
const metrics = { inc() {}, set() {}, observe() {}, sample() {} };

function supervise(attempt: Attempt) {
  const statuses: TaskStatus[] = [];
  const supervisor = new TaskSupervisor(
    {
      connector: 'c',
      taskId: 0,
      plugin: {} as never,
      config: {},
      taskConfig: {},
      onStatus: (status) => statuses.push(status),
    },
    { log: silent, metrics, retryDelayMaxMs: 20, stopTimeoutMs: 1_000, attempt },
  ).start();
  return { supervisor, statuses };
}

/** An attempt that starts, then waits until aborted. */
const idle: Attempt = async (context) => {
  context.started();
  await new Promise((resolve) => context.signal.addEventListener('abort', resolve));
};

describe('TaskSupervisor', () => {
  it('restarts after a retriable failure, showing RESTARTING with the reason, then RUNNING', async () => {
    let attempts = 0;
    const { supervisor, statuses } = supervise(async (context) => {
      attempts += 1;
      if (attempts === 1) throw new OnrampError('KAFKA_UNAVAILABLE', 'broker down');
      await idle(context);
    });
    await waitFor('second attempt running', () => attempts === 2 && statuses.at(-1)?.state === 'RUNNING');
    expect(statuses[0]?.state).toBe('RESTARTING');
    expect(statuses[0]?.trace).toContain('KAFKA_UNAVAILABLE');
    expect(statuses[0]?.trace).toContain('broker down');
    await supervisor.stop();
  });

  it('ends a backoff after KAFKA_UNAVAILABLE as soon as Kafka answers again, not when the backoff does', async () => {
    let attempts = 0;
    let kafkaBack: () => void = () => {};
    const answers = new Promise<void>((resolve) => {
      kafkaBack = resolve;
    });
    const statuses: TaskStatus[] = [];
    const supervisor = new TaskSupervisor(
      {
        connector: 'c',
        taskId: 0,
        plugin: {} as never,
        config: {},
        taskConfig: {},
        onStatus: (status) => statuses.push(status),
      },
      {
        log: silent,
        metrics,
        // An hour: only Kafka answering can end this wait within the test.
        retryDelayMaxMs: 3_600_000,
        stopTimeoutMs: 1_000,
        // Kafka flaps for the first failures (answers, then fails again); from the 14th on it stays away.
        kafkaAnswers: () => (attempts < 14 ? Promise.resolve() : answers),
        attempt: async (context) => {
          attempts += 1;
          // Past the first retries the backoff is minutes long.
          if (attempts <= 14) throw new OnrampError('KAFKA_UNAVAILABLE', 'broker down');
          await idle(context);
        },
      },
    ).start();
    await waitFor(
      'the backoff after 14 failures',
      () => attempts === 14 && statuses.at(-1)?.state === 'RESTARTING',
    );
    expect(statuses.at(-1)?.trace).toMatch(/Retrying in \d{6,} ms/);
    kafkaBack();
    await waitFor(
      'running again once Kafka answers',
      () => attempts === 15 && statuses.at(-1)?.state === 'RUNNING',
      {
        timeoutMs: 5_000,
      },
    );
    await supervisor.stop();
  });

  it('fails for good on a non-retriable failure, with the trace', async () => {
    let attempts = 0;
    const { supervisor, statuses } = supervise(async () => {
      attempts += 1;
      throw new OnrampError('INVALID_CONFIG', 'topics: Must configure one of topics or topics.regex');
    });
    await waitFor('FAILED', () => statuses.at(-1)?.state === 'FAILED');
    expect(statuses.at(-1)?.trace).toContain('topics: Must configure');
    expect(attempts).toBe(1);
    await supervisor.stop();
  });

  it('pauses and resumes: PAUSED/RUNNING, and the attempt sees it', async () => {
    const seen: boolean[] = [];
    const { supervisor, statuses } = supervise(async (context) => {
      context.onPauseChange((paused) => seen.push(paused));
      await idle(context);
    });
    await waitFor('RUNNING', () => statuses.at(-1)?.state === 'RUNNING');
    supervisor.pause();
    expect(supervisor.status.state).toBe('PAUSED');
    supervisor.resume();
    expect(supervisor.status.state).toBe('RUNNING');
    expect(seen).toEqual([true, false]);
    await supervisor.stop();
  });

  it('a task paused before it started comes up PAUSED', async () => {
    let runnable: Promise<void> | undefined;
    const { supervisor, statuses } = supervise(async (context) => {
      context.started();
      runnable = context.whenRunnable();
      await idle(context);
    });
    supervisor.pause();
    await waitFor('PAUSED', () => statuses.at(-1)?.state === 'PAUSED');
    supervisor.resume();
    await runnable;
    expect(statuses.at(-1)?.state).toBe('RUNNING');
    await supervisor.stop();
  });

  it('stop() aborts the attempt and waits for it to finish', async () => {
    let finished = false;
    const { supervisor, statuses } = supervise(async (context) => {
      await idle(context);
      finished = true;
    });
    await waitFor('RUNNING', () => statuses.at(-1)?.state === 'RUNNING');
    await supervisor.stop();
    expect(finished).toBe(true);
  });
});
