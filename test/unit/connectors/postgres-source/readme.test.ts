import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { postgresSourceFields } from '../../../../connectors/postgres-source/config.ts';

// The README's settings table is generated from the field declarations; this keeps it in sync
// (on failure, paste the expected table between the config-table markers).
function configTable(): string {
  const rows = Object.entries(postgresSourceFields).map(([name, spec]) => {
    const fallback =
      spec.presence === 'required'
        ? '(required)'
        : spec.defaultValue === undefined
          ? ''
          : `\`${spec.defaultValue}\``;
    return `| \`${name}\` | ${spec.type} | ${fallback} | ${spec.doc.replaceAll('|', '\\|')} |`;
  });
  return ['| Setting | Type | Default | Description |', '|---|---|---|---|', ...rows].join('\n');
}

describe('postgres-source README', () => {
  it('documents every setting with its current default and doc', () => {
    const readme = readFileSync(
      new URL('../../../../connectors/postgres-source/README.md', import.meta.url),
      'utf8',
    );
    const table = /<!-- config-table:start -->\n([\s\S]*?)\n<!-- config-table:end -->/.exec(readme)?.[1];
    expect(table).toBe(configTable());
  });
});
