// Deadline-based polling for service readiness (never a fixed sleep): returns as soon as `check` says
// yes, fails early when the process died, and fails with the log's tail when the deadline passes.
import type { Daemon } from './daemon.ts';
import { logTail } from './daemon.ts';
import { logFile } from './layout.ts';
import { StackError } from './stack-error.ts';

export async function waitUntil(
  what: string,
  check: () => Promise<boolean>,
  options: { timeoutMs: number; service: string; daemon?: Daemon; intervalMs?: number },
): Promise<void> {
  const deadline = Date.now() + options.timeoutMs;
  for (;;) {
    if (await check().catch(() => false)) return;
    const exited = options.daemon?.exited();
    if (exited !== undefined || Date.now() > deadline) {
      const why =
        exited !== undefined ? `the process ended (${exited})` : `timed out after ${options.timeoutMs} ms`;
      throw new StackError(
        `${what}: ${why}. Last lines of ${logFile(options.service)}:\n${logTail(options.service)}`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, options.intervalMs ?? 200));
  }
}
