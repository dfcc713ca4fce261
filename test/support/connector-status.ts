import { expect } from 'vitest';
import type { HostProcess } from './host-process.ts';
import { waitFor } from './wait-for.ts';

// What end-to-end tests ask a host about its connectors over REST: validation errors per field,
// task states, and that the host itself still serves.

interface ConfigInfos {
  configs: { value: { name: string; errors: string[] } }[];
}

/** PUT /connector-plugins/{plugin}/config/validate: each field with errors, and its messages. */
export async function validationErrors(
  host: HostProcess,
  plugin: string,
  config: Record<string, string>,
): Promise<Record<string, string[]>> {
  const { status, body } = await host.call('PUT', `/connector-plugins/${plugin}/config/validate`, {
    name: config['topic.prefix'],
    ...config,
  });
  expect(status).toBe(200);
  return Object.fromEntries(
    (body as ConfigInfos).configs
      .filter((entry) => entry.value.errors.length > 0)
      .map((entry) => [entry.value.name, entry.value.errors]),
  );
}

export async function taskStatus(
  host: HostProcess,
  connector: string,
): Promise<{ connector: string; task?: string; trace: string }> {
  const { body } = await host.call('GET', `/connectors/${connector}/status`);
  return {
    connector: body?.connector?.state,
    task: body?.tasks?.[0]?.state,
    trace: body?.tasks?.[0]?.trace ?? '',
  };
}

/** Waits for the connector and its first task to run; a FAILED task fails the wait at once. */
export async function waitRunning(host: HostProcess, connector: string): Promise<void> {
  await waitFor(`${connector} RUNNING`, async () => {
    const current = await taskStatus(host, connector);
    if (current.task === 'FAILED') throw new Error(`task FAILED: ${current.trace}`);
    return current.connector === 'RUNNING' && current.task === 'RUNNING';
  });
}

/** Waits for the first task to fail; returns its trace. */
export async function waitFailed(host: HostProcess, connector: string): Promise<string> {
  const current = await waitFor(`${connector} task FAILED`, async () => {
    const status = await taskStatus(host, connector);
    return status.task === 'FAILED' ? status : undefined;
  });
  return current.trace;
}

export async function expectHostServes(host: HostProcess): Promise<void> {
  expect((await host.call('GET', '/health')).status).toBe(200);
  expect((await host.call('GET', '/connectors')).status).toBe(200);
}
