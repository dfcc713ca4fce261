import { readdirSync, readFileSync } from 'node:fs';

// CPU and memory of a process from /proc: utime+stime of /proc/<pid>/stat (the whole thread group,
// in clock ticks) and VmHWM/VmRSS of /proc/<pid>/status. Benchmarks take deltas of cpuSeconds
// over a measured window; peakRssMb is the process's lifetime high-water mark.

/** USER_HZ; 100 on every Linux this runs on (`getconf CLK_TCK`). */
const CLOCK_TICKS = 100;

export interface ProcUsage {
  cpuSeconds: number;
  peakRssMb: number;
  rssMb: number;
}

/** The usage of a live process, or undefined when it is gone. */
export function procUsage(pid: number): ProcUsage | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may hold spaces and parentheses: fields are counted after its last ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const utime = Number(fields[11]);
    const stime = Number(fields[12]);
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = (name: string) => Number(new RegExp(`${name}:\\s+(\\d+)`).exec(status)?.[1] ?? 0);
    return {
      cpuSeconds: (utime + stime) / CLOCK_TICKS,
      peakRssMb: kb('VmHWM') / 1024,
      rssMb: kb('VmRSS') / 1024,
    };
  } catch {
    return undefined;
  }
}

/** Pids whose command line contains every one of `needles` (e.g. the Kafka broker: 'kafka.Kafka'). */
export function findPids(...needles: string[]): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const cmdline = readFileSync(`/proc/${entry}/cmdline`, 'utf8').replaceAll('\0', ' ');
      if (needles.every((needle) => cmdline.includes(needle))) pids.push(Number(entry));
    } catch {}
  }
  return pids;
}

/** The local stack's Kafka broker (a java process running kafka.Kafka), if it runs on this machine. */
export function brokerPid(): number | undefined {
  return findPids('java', 'kafka.Kafka').find((pid) => pid !== process.pid);
}

/**
 * CPU seconds of a set of processes over a window; processes born inside the window count from
 * zero, so a walsender that a connector starts is charged in full.
 */
export class CpuWindow {
  private readonly start = new Map<number, number>();
  private readonly last = new Map<number, number>();

  constructor(pids: number[] = []) {
    for (const pid of pids) this.track(pid, false);
  }

  /** Starts following a process; `bornInside`: charge all its CPU to the window. */
  track(pid: number, bornInside = true): void {
    if (this.start.has(pid)) return;
    const usage = procUsage(pid);
    if (!usage) return;
    this.start.set(pid, bornInside ? 0 : usage.cpuSeconds);
    this.last.set(pid, usage.cpuSeconds);
  }

  /** Reads every tracked process again (call it while they still live; a dead one keeps its last value). */
  sample(): void {
    for (const pid of this.start.keys()) {
      const usage = procUsage(pid);
      if (usage) this.last.set(pid, usage.cpuSeconds);
    }
  }

  seconds(): number {
    let total = 0;
    for (const [pid, begin] of this.start) total += (this.last.get(pid) ?? begin) - begin;
    return total;
  }
}

/** CPU windows by name ({system, <database part>, broker}); figures keep the names and their order. */
export class CpuWindows<K extends string> {
  readonly of: Record<K, CpuWindow>;

  /** `pids` of each part, undefined where the process was not found (the part stays 0). */
  constructor(pids: Record<K, (number | undefined)[]>) {
    const windows = Object.entries<(number | undefined)[]>(pids).map(([name, list]) => [
      name,
      new CpuWindow(list.filter((pid): pid is number => pid !== undefined)),
    ]);
    this.of = Object.fromEntries(windows) as Record<K, CpuWindow>;
  }

  sample(): void {
    for (const window of Object.values<CpuWindow>(this.of)) window.sample();
  }

  seconds(): Record<K, number> {
    return mapValues(this.of, (window) => window.seconds());
  }
}

/** The same keys, in the same order, with `map` applied to each value. */
export function mapValues<K extends string, A, B>(record: Record<K, A>, map: (value: A) => B): Record<K, B> {
  return Object.fromEntries(Object.entries<A>(record).map(([key, value]) => [key, map(value)])) as Record<
    K,
    B
  >;
}
