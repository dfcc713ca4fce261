import { checkTokenName, parseRole } from './roles.ts';
import { readTokenFile, type TokenEntry, writeTokenFile } from './token-file.ts';
import { hashToken, newToken } from './token-secret.ts';

// What `npm run token` does to the tokens file: create (returns the token, which is never stored),
// list and revoke. The running host notices the changed file on its next request.

export class TokenAdminError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TokenAdminError';
  }
}

export function createToken(
  file: string,
  name: string,
  roleText: string,
  now: Date = new Date(),
): { entry: TokenEntry; token: string } {
  const nameProblem = checkTokenName(name);
  if (nameProblem !== undefined) throw new TokenAdminError(nameProblem);
  let role: TokenEntry['role'];
  try {
    role = parseRole(roleText);
  } catch (error) {
    throw new TokenAdminError((error as Error).message);
  }
  const entries = readTokenFile(file);
  if (entries.some((entry) => entry.name === name)) {
    throw new TokenAdminError(`a token named ${name} exists already; revoke it first to replace it`);
  }
  const token = newToken();
  const entry: TokenEntry = { name, role, hash: hashToken(token), created: now.toISOString() };
  writeTokenFile(file, [...entries, entry]);
  return { entry, token };
}

export function listTokens(file: string): TokenEntry[] {
  return readTokenFile(file);
}

export function revokeToken(file: string, name: string): TokenEntry {
  const entries = readTokenFile(file);
  const revoked = entries.find((entry) => entry.name === name);
  if (!revoked) throw new TokenAdminError(`no token named ${name} in ${file}`);
  writeTokenFile(
    file,
    entries.filter((entry) => entry !== revoked),
  );
  return revoked;
}
