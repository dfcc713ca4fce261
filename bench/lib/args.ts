// `npm run bench -- compare pg-stream --events 20000 --runs 1 --rates 5000,20000`: options after
// the scenario names, `--name value` or `--name=value`; bare `--flag` means true.

export class BenchArgs {
  readonly names: string[] = [];
  private readonly options = new Map<string, string>();

  constructor(argv: string[]) {
    for (let i = 0; i < argv.length; i++) {
      const arg = argv[i] as string;
      if (!arg.startsWith('--')) {
        this.names.push(arg);
        continue;
      }
      // Split at the first '=' only: a value may hold more (--variants=--max-semi-space-size=2).
      const eq = arg.indexOf('=');
      const name = eq === -1 ? arg.slice(2) : arg.slice(2, eq);
      const inline = eq === -1 ? undefined : arg.slice(eq + 1);
      const next = argv[i + 1];
      if (inline !== undefined) this.options.set(name, inline);
      else if (next !== undefined && !next.startsWith('--')) {
        this.options.set(name, next);
        i++;
      } else this.options.set(name, 'true');
    }
  }

  number(name: string, fallback: number): number {
    const raw = this.options.get(name);
    if (raw === undefined) return fallback;
    const value = Number(raw.replaceAll('_', ''));
    if (!Number.isFinite(value)) throw new Error(`--${name} must be a number, not '${raw}'`);
    return value;
  }

  numbers(name: string, fallback: number[]): number[] {
    const raw = this.options.get(name);
    if (raw === undefined) return fallback;
    return raw.split(',').map((part) => {
      const value = Number(part.trim().replaceAll('_', ''));
      if (!Number.isFinite(value))
        throw new Error(`--${name} must be numbers separated by commas, not '${raw}'`);
      return value;
    });
  }

  string(name: string, fallback: string): string {
    return this.options.get(name) ?? fallback;
  }

  flag(name: string): boolean {
    return this.options.get(name) === 'true';
  }

  /** Every option given, for the results' settings block. */
  given(): Record<string, string> {
    return Object.fromEntries(this.options);
  }
}
