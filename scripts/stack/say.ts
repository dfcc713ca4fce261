// Progress goes to stderr so that stdout stays clean for `env` and for callers that parse it.
export function say(message: string): void {
  process.stderr.write(`[stack] ${message}\n`);
}
