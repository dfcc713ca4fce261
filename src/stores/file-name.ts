import { createHash } from 'node:crypto';

// Connector names may hold any character but ISO control characters, so they are encoded for file
// names. The stored JSON carries the real name; the file name only has to be unique and legal.
const MAX_ENCODED = 180; // well under the usual 255-byte limit, leaving room for ".json" and temp suffixes

export function fileNameFor(name: string): string {
  // encodeURIComponent leaves '.', so "." and ".." would still be special; '*' is legal but awkward.
  const encoded = encodeURIComponent(name).replace(/\./g, '%2E').replace(/\*/g, '%2A');
  if (encoded.length <= MAX_ENCODED) return `${encoded}.json`;
  const digest = createHash('sha256').update(name).digest('hex').slice(0, 32);
  return `${encoded.slice(0, MAX_ENCODED - 40).replace(/%[0-9A-F]?$/, '')}~${digest}.json`;
}
