// Manages the REST API's tokens (rest.auth=token) in the host's rest.auth.tokens.file, found through
// the same host config the host reads (ONRAMP_CONFIG, ONRAMP_DATA_DIR, ...):
//
//   npm run token -- create --name <name> --role admin|viewer|domain:<name>   prints the token last
//   npm run token -- list
//   npm run token -- revoke --name <name>
//
// A running host picks the change up on its next request; no restart needed.
import { parseArgs } from 'node:util';
import { formatRole } from '../src/auth/roles.ts';
import { createToken, listTokens, revokeToken, TokenAdminError } from '../src/auth/token-admin.ts';
import { TokenFileError } from '../src/auth/token-file.ts';
import { HostConfigError, loadHostConfig } from '../src/config/host-config.ts';

const USAGE = `usage: npm run token -- create --name <name> --role admin|viewer|domain:<name>
       npm run token -- list
       npm run token -- revoke --name <name>`;

function fail(message: string, code: number): never {
  process.stderr.write(`token: ${message}\n`);
  process.exit(code);
}

function required(value: string | undefined, option: string): string {
  if (value === undefined || value === '') fail(`--${option} is required\n${USAGE}`, 2);
  return value;
}

function parseCommandLine(): { command: string; name: string | undefined; role: string | undefined } {
  try {
    const { values, positionals } = parseArgs({
      options: { name: { type: 'string' }, role: { type: 'string' } },
      allowPositionals: true,
    });
    const [command, ...extra] = positionals;
    if (command === undefined || extra.length > 0) fail(USAGE, 2);
    return { command, name: values.name, role: values.role };
  } catch (error) {
    fail(`${(error as Error).message}\n${USAGE}`, 2);
  }
}

function main(): void {
  const { command, ...options } = parseCommandLine();
  const file = loadHostConfig().rest.auth.tokensFile;

  switch (command) {
    case 'create': {
      const name = required(options.name, 'name');
      const role = required(options.role, 'role');
      const { entry, token } = createToken(file, name, role);
      process.stdout.write(
        `Created token ${entry.name} (role ${formatRole(entry.role)}) in ${file}.\n` +
          'It is shown this once (only its hash is stored). Use it as "Authorization: Bearer <token>", ' +
          `or as the password of basic auth with user ${entry.name}:\n${token}\n`,
      );
      return;
    }
    case 'list': {
      const entries = listTokens(file);
      if (entries.length === 0) {
        process.stdout.write(`No tokens in ${file}.\n`);
        return;
      }
      const width = Math.max(4, ...entries.map((entry) => entry.name.length));
      const roleWidth = Math.max(4, ...entries.map((entry) => formatRole(entry.role).length));
      const lines = [
        `${'NAME'.padEnd(width)}  ${'ROLE'.padEnd(roleWidth)}  CREATED`,
        ...entries.map(
          (entry) =>
            `${entry.name.padEnd(width)}  ${formatRole(entry.role).padEnd(roleWidth)}  ${entry.created}`,
        ),
      ];
      process.stdout.write(`${lines.join('\n')}\n`);
      return;
    }
    case 'revoke': {
      const revoked = revokeToken(file, required(options.name, 'name'));
      process.stdout.write(`Revoked token ${revoked.name} (role ${formatRole(revoked.role)}).\n`);
      return;
    }
    default:
      fail(`unknown command ${command}\n${USAGE}`, 2);
  }
}

try {
  main();
} catch (error) {
  if (error instanceof HostConfigError) fail(error.message, 2);
  if (error instanceof TokenAdminError || error instanceof TokenFileError) fail(error.message, 1);
  throw error;
}
