import { describe, expect, it } from 'vitest';
import { freePort, startHostProcess } from '../support/host-process.ts';

// The e2e tests' host starter: a start that never gets healthy must not leave its host running (an
// orphan loaded the machine for the rest of a suite).

function running(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ESRCH') return false;
    throw error;
  }
}

describe('startHostProcess', () => {
  it('kills the host (its process group) when it does not get healthy in time', async () => {
    // Nothing listens on this port: /health answers 503 (Kafka unreachable) for as long as it runs.
    const deadBroker = `127.0.0.1:${await freePort()}`;
    let pid: number | undefined;
    await expect(
      startHostProcess(
        { KAFKA_BROKERS: deadBroker },
        { readyTimeoutMs: 3_000, onSpawn: (spawned) => (pid = spawned) },
      ),
    ).rejects.toThrow(/timed out after 3000 ms waiting for the host to be healthy/);
    expect(pid).toBeGreaterThan(0);
    expect(running(pid as number)).toBe(false);
    // Nor anything it started: the group is empty.
    expect(running(-(pid as number))).toBe(false);
  });
});
