import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { parse as parseYaml, stringify as stringifyYaml } from 'yaml';
import { checkTokenName, formatRole, parseRole, type Role } from './roles.ts';
import { isTokenHash } from './token-secret.ts';

// rest.auth.tokens.file: the REST tokens as YAML, hashes only. Written by `npm run token`, read by
// the host (which re-reads it when it changes).
//
//   tokens:
//     - name: ci
//       role: domain:sales
//       hash: sha256:5f1c...
//       created: 2026-12-06T21:00:00.000Z

export interface TokenEntry {
  name: string;
  role: Role;
  hash: string;
  created: string;
}

export class TokenFileError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TokenFileError';
  }
}

function record(value: unknown): Record<string, unknown> | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : undefined;
}

export function parseTokenFile(text: string, file: string): TokenEntry[] {
  let document: unknown;
  try {
    document = parseYaml(text);
  } catch (error) {
    throw new TokenFileError(`${file} is not valid YAML: ${(error as Error).message}`);
  }
  if (document === null || document === undefined) return [];
  const list = record(document)?.tokens ?? [];
  if (!Array.isArray(list)) throw new TokenFileError(`${file}: tokens must be a list`);
  const names = new Set<string>();
  return list.map((item, index) => {
    const entry = record(item);
    const where = `${file}: tokens[${index}]`;
    const { name, role, hash, created } = entry ?? {};
    if (typeof name !== 'string' || checkTokenName(name) !== undefined)
      throw new TokenFileError(`${where}: ${checkTokenName(String(name)) ?? 'name is missing'}`);
    if (names.has(name)) throw new TokenFileError(`${where}: name ${name} appears twice`);
    names.add(name);
    if (typeof hash !== 'string' || !isTokenHash(hash))
      throw new TokenFileError(`${where}: hash must be sha256:<64 hex digits>`);
    let parsedRole: Role;
    try {
      parsedRole = parseRole(typeof role === 'string' ? role : '');
    } catch (error) {
      throw new TokenFileError(`${where}: ${(error as Error).message}`);
    }
    return { name, role: parsedRole, hash, created: typeof created === 'string' ? created : '' };
  });
}

/** The entries of the file; none when it does not exist yet. */
export function readTokenFile(file: string): TokenEntry[] {
  if (!existsSync(file)) return [];
  return parseTokenFile(readFileSync(file, 'utf8'), file);
}

/**
 * Replaces the file atomically (write a sibling, rename), readable by its owner only, so the host
 * never reads a half-written file and a revoke is all-or-nothing.
 */
export function writeTokenFile(file: string, entries: readonly TokenEntry[]): void {
  mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
  const document = {
    tokens: entries.map((entry) => ({
      name: entry.name,
      role: formatRole(entry.role),
      hash: entry.hash,
      created: entry.created,
    })),
  };
  const text =
    '# Onramp REST tokens (hashes only). Manage with `npm run token -- create|list|revoke`.\n' +
    stringifyYaml(document);
  const temporary = `${file}.${process.pid}.tmp`;
  writeFileSync(temporary, text, { mode: 0o600 });
  renameSync(temporary, file);
}
