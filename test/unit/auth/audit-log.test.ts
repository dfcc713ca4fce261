import { appendFileSync, mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { AUDIT_FIELD_MAX, type AuditEntry, AuditLog } from '../../../src/auth/audit-log.ts';

function entry(index: number): AuditEntry {
  return {
    time: new Date(1_800_000_000_000 + index).toISOString(),
    principal: 'ci',
    role: 'domain:sales',
    method: 'PUT',
    route: '/connectors/:name/config',
    path: `/connectors/c${index}/config`,
    connector: `c${index}`,
    status: 200,
    remote: '127.0.0.1',
  };
}

describe('AuditLog', () => {
  it('appends JSON lines in order and returns the newest first', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'onramp-audit-')), 'data', 'audit.log');
    const audit = new AuditLog({ file, onError: (error) => expect.fail(String(error)) });
    expect(await audit.recent(10)).toEqual([]);
    await Promise.all([1, 2, 3].map((index) => audit.append(entry(index))));
    expect(
      readFileSync(file, 'utf8')
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line).connector),
    ).toEqual(['c1', 'c2', 'c3']);
    expect((await audit.recent(2)).map((found) => found.connector)).toEqual(['c3', 'c2']);
    expect(await audit.recent(100)).toHaveLength(3);
  });

  it('reads the tail of a large log without losing or tearing lines', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'onramp-audit-')), 'audit.log');
    const lines: string[] = [];
    for (let index = 0; index < 5_000; index++) lines.push(JSON.stringify(entry(index)));
    appendFileSync(file, `${lines.join('\n')}\n`);
    const audit = new AuditLog({ file, onError: () => undefined });
    for (const limit of [1, 7, 300, 1_000, 4_999, 5_000, 6_000]) {
      const recent = await audit.recent(limit);
      expect(recent).toHaveLength(Math.min(limit, 5_000));
      expect(recent[0]?.connector).toBe('c4999');
      expect(recent.at(-1)?.connector).toBe(`c${5_000 - Math.min(limit, 5_000)}`);
    }
  });

  it('keeps each line small when a request names a huge connector or path', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'onramp-audit-')), 'audit.log');
    const audit = new AuditLog({ file, onError: (error) => expect.fail(String(error)) });
    const huge = 'n'.repeat(3_000_000);
    await audit.append({ ...entry(1), connector: huge, product: huge, path: `/connectors/${huge}` });
    expect(readFileSync(file, 'utf8').length).toBeLessThan(4 * AUDIT_FIELD_MAX);
    const [found] = await audit.recent(1);
    expect(found?.connector).toBe(
      `${'n'.repeat(AUDIT_FIELD_MAX)}...(${huge.length - AUDIT_FIELD_MAX} more characters)`,
    );
    expect(found?.status).toBe(200);
  });

  it('rotates to audit.log.1 past maxBytes, so refused requests cannot fill the disk, and reads across both', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'onramp-audit-')), 'audit.log');
    const lineBytes = `${JSON.stringify(entry(100))}\n`.length;
    const audit = new AuditLog({
      file,
      onError: (error) => expect.fail(String(error)),
      maxBytes: lineBytes * 10,
    });
    for (let index = 100; index < 135; index++) await audit.append(entry(index));
    // 35 lines, 10 per file: the newest 5 in audit.log, 10 before them in audit.log.1, the rest gone.
    expect(statSync(file).size).toBe(5 * lineBytes);
    expect(statSync(`${file}.1`).size).toBe(10 * lineBytes);
    const recent = await audit.recent(100);
    expect(recent.map((found) => found.connector)).toEqual(
      Array.from({ length: 15 }, (_, offset) => `c${134 - offset}`),
    );
    expect((await audit.recent(7)).at(-1)?.connector).toBe('c128');
    // A host started on an existing log counts its size.
    const again = new AuditLog({
      file,
      onError: (error) => expect.fail(String(error)),
      maxBytes: lineBytes * 10,
    });
    for (let index = 135; index < 141; index++) await again.append(entry(index));
    expect(statSync(file).size).toBe(1 * lineBytes);
    expect((await again.recent(1))[0]?.connector).toBe('c140');
  });
});
