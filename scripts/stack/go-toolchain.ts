// The Go toolchain that builds the schema registry. The registry's go.mod asks for Go 1.26 and
// Debian's golang-go is 1.19, so when no recent enough `go` is found we fetch the toolchain the way
// `go` itself does (GOTOOLCHAIN): as the golang.org/toolchain module from the Go module proxy.
import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { aptInstall } from './apt.ts';
import { ensureDir, stackPath } from './layout.ts';
import { runCommand } from './run-command.ts';
import { say } from './say.ts';
import { StackError } from './stack-error.ts';

const MIN_GO: [number, number] = [1, 26];
const FETCHED_GO = 'go1.26.0';

function goVersion(binary: string): [number, number] | undefined {
  try {
    const version = execFileSync(binary, ['env', 'GOVERSION'], { encoding: 'utf8' }).trim();
    const match = /^go(\d+)\.(\d+)/.exec(version);
    return match ? [Number(match[1]), Number(match[2])] : undefined;
  } catch {
    return undefined;
  }
}

function recentEnough(version: [number, number] | undefined): boolean {
  return (
    version !== undefined && (version[0] > MIN_GO[0] || (version[0] === MIN_GO[0] && version[1] >= MIN_GO[1]))
  );
}

function goArch(): string {
  const arch = { x64: 'amd64', arm64: 'arm64', ia32: '386' }[process.arch as string];
  if (!arch) throw new StackError(`no Go toolchain for this CPU (${process.arch})`);
  return arch;
}

function proxyBase(): string {
  const first = (process.env.GOPROXY ?? '').split(/[,|]/)[0]?.trim();
  return first && first !== 'direct' && first !== 'off'
    ? first.replace(/\/$/, '')
    : 'https://proxy.golang.org';
}

async function fetchToolchain(root: string): Promise<string> {
  const module = `v0.0.1-${FETCHED_GO}.linux-${goArch()}`;
  const goroot = join(root, `golang.org/toolchain@${module}`);
  if (existsSync(join(goroot, 'bin', 'go'))) return join(goroot, 'bin', 'go');
  const url = `${proxyBase()}/golang.org/toolchain/@v/${module}.zip`;
  say(`fetching the Go toolchain ${FETCHED_GO} from the Go module proxy...`);
  const response = await fetch(url);
  if (!response.ok) throw new StackError(`could not fetch ${url}: HTTP ${response.status}`);
  ensureDir(root);
  const zip = join(root, `${module}.zip`);
  writeFileSync(zip, Buffer.from(await response.arrayBuffer()));
  try {
    await runCommand('sh', ['-c', 'command -v unzip']);
  } catch {
    await aptInstall('unzip', ['unzip']);
  }
  await runCommand('unzip', ['-q', '-o', zip, '-d', root]);
  rmSync(zip, { force: true });
  // Module zips carry no file modes; `go` marks these executable the same way after extracting.
  for (const dir of [join(goroot, 'bin'), ...toolDirs(goroot)]) {
    for (const file of readdirSync(dir)) chmodSync(join(dir, file), 0o755);
  }
  return join(goroot, 'bin', 'go');
}

function toolDirs(goroot: string): string[] {
  const tools = join(goroot, 'pkg', 'tool');
  return existsSync(tools) ? readdirSync(tools).map((dir) => join(tools, dir)) : [];
}

/** A `go` binary of at least Go 1.26: the machine's, or one fetched into the stack folder. */
export async function goBinary(): Promise<string> {
  for (const candidate of ['go', '/usr/local/go/bin/go']) {
    if (recentEnough(goVersion(candidate))) return candidate;
  }
  return await fetchToolchain(stackPath('go'));
}
