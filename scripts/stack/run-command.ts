// Runs an installer or admin command to completion, keeping its output for the error message.
import { spawn } from 'node:child_process';
import { StackError } from './stack-error.ts';

export interface RunOptions {
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  /** Written to the command's stdin, then closed. */
  input?: string;
}

export async function runCommand(command: string, args: string[], options: RunOptions = {}): Promise<string> {
  return await new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      cwd: options.cwd,
      env: options.env ?? process.env,
      stdio: [options.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
    });
    const output: Buffer[] = [];
    child.stdout?.on('data', (chunk: Buffer) => output.push(chunk));
    child.stderr?.on('data', (chunk: Buffer) => output.push(chunk));
    if (child.stdin) {
      // A command that exits before reading its input must not crash us with EPIPE.
      child.stdin.on('error', () => undefined);
      child.stdin.end(options.input);
    }
    child.on('error', (error) => reject(new StackError(`could not run ${command}: ${error.message}`)));
    child.on('close', (code, signal) => {
      const text = Buffer.concat(output).toString('utf8');
      if (code === 0) {
        resolve(text);
        return;
      }
      const tail = text.trim().split('\n').slice(-30).join('\n');
      reject(
        new StackError(
          `'${[command, ...args].join(' ')}' failed (exit ${code ?? signal})\n${tail}`.trimEnd(),
        ),
      );
    });
  });
}

/** The same command, run as `user` when we are root (databases refuse to run as root). */
export function asUser(user: string | undefined, command: string, args: string[]): [string, string[]] {
  return user ? ['runuser', ['-u', user, '--', command, ...args]] : [command, args];
}
