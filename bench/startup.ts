import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { HOST_NODE_FLAGS, type HostBuild, hostNodeArgs } from '../src/host-command.ts';
import type { BenchArgs } from './lib/args.ts';
import { procUsage } from './lib/proc-usage.ts';
import { machine, type ScenarioResult, today, writeResult } from './lib/results.ts';
import { median } from './lib/stats.ts';
import { freePort } from './lib/systems.ts';

// Start-up benchmark: Onramp alone, no connectors. Per run, one host process with a fresh data dir:
// - ready: spawning `node dist/main.js` (or src/main.ts) until GET /health answers at all (REST
//   ready; Kafka may not have been asked yet), and the process's CPU time (user + system) by then;
// - idle: once /health reports Kafka reachable (the Kafka client loaded and connected, as it is
//   in a running host) and 3 s later, RSS split into anonymous memory (heap, malloc, stacks) and
//   file-backed pages (mostly the node binary's code, shared with every other node process and
//   reclaimable), and the V8 heap (used and total, from /metrics).
// Targets (DESIGN.md): REST ready < 500 ms, idle RSS < 60 MB.

const REST_READY_TARGET_MS = 500;
const IDLE_RSS_TARGET_MB = 60;
const IDLE_SETTLE_MS = 3_000;

export interface StartupRun {
  build: HostBuild;
  readyMs: number;
  readyCpuMs: number;
  readyRssMb: number;
  idleRssMb: number;
  idleAnonMb: number;
  idleFileMb: number;
  heapUsedMb: number;
  heapTotalMb: number;
  kafkaReachable: boolean;
}

function statusKb(pid: number, field: string): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(new RegExp(`${field}:\\s+(\\d+)`).exec(status)?.[1] ?? Number.NaN);
}

/** A gauge of /metrics by its name's end (the host prefixes its metric names). */
function gauge(metrics: string, suffix: string): number {
  const match = new RegExp(`^\\w*${suffix} (\\S+)$`, 'm').exec(metrics);
  return match ? Number(match[1]) : Number.NaN;
}

async function answer(url: string): Promise<string | undefined> {
  try {
    const response = await fetch(url);
    return await response.text();
  } catch {
    return undefined;
  }
}

export async function measureStartup(build: HostBuild = 'compiled'): Promise<StartupRun> {
  const port = await freePort();
  const dataDir = mkdtempSync(join(tmpdir(), 'onramp-bench-'));
  const base = `http://127.0.0.1:${port}`;
  const started = performance.now();
  const child = spawn(process.execPath, hostNodeArgs(undefined, build), {
    env: {
      ...process.env,
      ONRAMP_REST_PORT: String(port),
      ONRAMP_DATA_DIR: dataDir,
      ONRAMP_LOG_LEVEL: 'warn',
    },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const pid = child.pid ?? 0;
  try {
    const deadline = Date.now() + 30_000;
    const waitFor = async (ready: (body: string) => boolean, what: string): Promise<void> => {
      for (;;) {
        if (child.exitCode !== null) throw new Error(`host exited with ${child.exitCode} before ${what}`);
        const body = await answer(`${base}/health`);
        if (body !== undefined && ready(body)) return;
        if (Date.now() > deadline) throw new Error(`host did not ${what} within 30 s`);
        await new Promise((resolve) => setTimeout(resolve, body === undefined ? 5 : 100));
      }
    };
    await waitFor(() => true, 'answer /health');
    const readyMs = performance.now() - started;
    const atReady = procUsage(pid);
    let kafkaReachable = true;
    await waitFor((body) => body.includes('"reachable":true'), 'reach Kafka').catch(() => {
      kafkaReachable = false;
    });
    await new Promise((resolve) => setTimeout(resolve, IDLE_SETTLE_MS));
    await answer(`${base}/health`);
    const metrics = (await answer(`${base}/metrics`)) ?? '';
    return {
      build,
      readyMs,
      readyCpuMs: (atReady?.cpuSeconds ?? Number.NaN) * 1000,
      readyRssMb: atReady?.rssMb ?? Number.NaN,
      idleRssMb: statusKb(pid, 'VmRSS') / 1024,
      idleAnonMb: statusKb(pid, 'RssAnon') / 1024,
      idleFileMb: statusKb(pid, 'RssFile') / 1024,
      heapUsedMb: gauge(metrics, 'nodejs_heap_size_used_bytes') / 2 ** 20,
      heapTotalMb: gauge(metrics, 'nodejs_heap_size_total_bytes') / 2 ** 20,
      kafkaReachable,
    };
  } finally {
    child.kill('SIGTERM');
    if (child.exitCode === null) await new Promise((resolve) => child.once('exit', resolve));
    rmSync(dataDir, { recursive: true, force: true });
  }
}

const FIGURES: [keyof StartupRun, string, number][] = [
  ['readyMs', 'REST ready, ms (spawn -> first /health answer)', 0],
  ['readyCpuMs', 'CPU until REST ready, ms (user + system)', 0],
  ['readyRssMb', 'RSS at REST ready, MB', 1],
  ['idleRssMb', 'idle RSS, MB (Kafka connected, +3 s)', 1],
  ['idleAnonMb', 'idle RSS: anonymous, MB', 1],
  ['idleFileMb', 'idle RSS: file-backed (node binary, libraries), MB', 1],
  ['heapUsedMb', 'idle V8 heap used, MB', 1],
  ['heapTotalMb', 'idle V8 heap total, MB', 1],
];

/** `npm run bench -- startup [--runs 5] [--builds compiled,sources]`: runs alternate between builds. */
export async function startupScenario(args: BenchArgs): Promise<void> {
  const runsPerBuild = args.number('runs', 5);
  const builds = args.string('builds', 'compiled,sources').split(',') as HostBuild[];
  const loadBefore = loadavg()
    .map((load) => load.toFixed(2))
    .join(' ');
  const runs: StartupRun[] = [];
  for (let run = 0; run < runsPerBuild; run++) {
    for (const build of builds) {
      const result = await measureStartup(build);
      runs.push(result);
      console.log(
        `startup ${build} run ${run + 1}: ready ${result.readyMs.toFixed(0)} ms (CPU ${result.readyCpuMs.toFixed(0)} ms), ` +
          `idle RSS ${result.idleRssMb.toFixed(1)} MB (anon ${result.idleAnonMb.toFixed(1)}, file ${result.idleFileMb.toFixed(1)}), ` +
          `heap ${result.heapUsedMb.toFixed(1)}/${result.heapTotalMb.toFixed(1)} MB`,
      );
    }
  }
  const loadAfter = loadavg()
    .map((load) => load.toFixed(2))
    .join(' ');
  const medians = Object.fromEntries(
    builds.map((build) => {
      const mine = runs.filter((run) => run.build === build);
      return [
        build,
        Object.fromEntries(FIGURES.map(([key]) => [key, median(mine.map((run) => Number(run[key])))])),
      ];
    }),
  ) as Record<HostBuild, Record<string, number>>;
  const compiled = medians.compiled;
  const result: ScenarioResult = {
    scenario: 'startup',
    date: today(),
    machine: { ...machine(), loadAverageBefore: loadBefore, loadAverageAfter: loadAfter },
    versions: { node: process.version },
    settings: { runsPerBuild, builds, nodeFlags: HOST_NODE_FLAGS, idleSettleMs: IDLE_SETTLE_MS },
    runs,
    summary: {
      ...medians,
      ...(compiled && {
        onramp: {
          rest_ready_ms: compiled.readyMs,
          idle_rss_mb: compiled.idleRssMb,
          idle_heap_used_mb: compiled.heapUsedMb,
        },
        targets: { rest_ready_ms: REST_READY_TARGET_MS, idle_rss_mb: IDLE_RSS_TARGET_MB },
      }),
      kafkaReachable: runs.every((run) => run.kafkaReachable),
    },
    table: {
      columns: [
        'startup (medians)',
        ...builds.map((build) => (build === 'compiled' ? 'dist/main.js' : 'src/main.ts')),
      ],
      rows: FIGURES.map(([key, label, digits]) => [
        label,
        ...builds.map((build) => Number((medians[build]?.[key] ?? Number.NaN).toFixed(digits))),
      ]),
    },
    notes: [
      `${runsPerBuild} runs per build, alternating; no connectors; a fresh data dir per run; Kafka at the stack's broker.`,
      'dist/main.js is what npm start, the image, the demo and the benchmarks run (scripts/build.mjs); src/main.ts is the TypeScript sources under type stripping (the tests).',
      `Targets: REST ready < ${REST_READY_TARGET_MS} ms, idle RSS < ${IDLE_RSS_TARGET_MB} MB. File-backed RSS is mostly the node binary's code pages: shared with other node processes and reclaimable, but counted in RSS.`,
      `Shared 2-core machine: 1-minute load average ${loadBefore.split(' ')[0]} before, ${loadAfter.split(' ')[0]} after; wall-clock times stretch with the load, the CPU times less so.`,
    ],
  };
  const file = writeResult(result);
  for (const row of result.table.rows) console.log(`startup: ${row.join(' | ')}`);
  console.log(`startup: wrote ${file}`);
}
