// JDBC connection URLs as both JDBC sink connectors take them: jdbc:mysql://, jdbc:mariadb:// and
// jdbc:postgresql://, with host, port, database and query parameters (user, password, sslmode, ...).

export type DialectName = 'mysql' | 'postgres';

export interface JdbcUrl {
  dialect: DialectName;
  /** The driver the URL names (TLS parameters differ between MySQL's and MariaDB's). */
  scheme: 'mysql' | 'mariadb' | 'postgresql';
  host: string;
  port: number;
  database: string;
  params: Record<string, string>;
}

const SCHEMES: Record<string, { dialect: DialectName; port: number }> = {
  mysql: { dialect: 'mysql', port: 3306 },
  mariadb: { dialect: 'mysql', port: 3306 },
  postgresql: { dialect: 'postgres', port: 5432 },
};

/** Parses a JDBC URL; throws an Error whose message is the problem alone. */
export function parseJdbcUrl(url: string): JdbcUrl {
  const match = /^jdbc:(\w+):(.*)$/i.exec(url.trim());
  const scheme = match?.[1]?.toLowerCase();
  const known = scheme === undefined || !Object.hasOwn(SCHEMES, scheme) ? undefined : SCHEMES[scheme];
  if (!match || !known)
    throw new Error('Expected a jdbc:mysql://, jdbc:mariadb:// or jdbc:postgresql:// URL');
  let rest = match[2] ?? '';
  let query = '';
  const question = rest.indexOf('?');
  if (question >= 0) {
    query = rest.slice(question + 1);
    rest = rest.slice(0, question);
  }
  let host = 'localhost';
  let port = known.port;
  let database: string;
  if (rest.startsWith('//')) {
    const slash = rest.indexOf('/', 2);
    const authority = slash < 0 ? rest.slice(2) : rest.slice(2, slash);
    database = slash < 0 ? '' : rest.slice(slash + 1);
    if (authority.includes(',')) throw new Error('Multiple hosts are not supported');
    const hostPort = /^(\[[^\]]+\]|[^:]*)(?::(\d+))?$/.exec(authority);
    if (!hostPort) throw new Error(`Cannot read host and port from "${authority}"`);
    if (hostPort[1]) host = hostPort[1].replace(/^\[|\]$/g, '');
    if (hostPort[2]) port = Number(hostPort[2]);
  } else {
    // jdbc:postgresql:dbname (local server, default port)
    database = rest;
  }
  database = decodeURIComponent(database);
  if (database === '') throw new Error('The URL names no database');
  if (port < 1 || port > 65535) throw new Error(`Port ${port} is out of range: must be between 1 and 65535`);
  // No prototype: a parameter named __proto__ or constructor is a parameter like any other.
  const params: Record<string, string> = Object.create(null);
  const separator = known.dialect === 'mysql' && !query.includes('&') ? /[&;]/ : /&/;
  for (const pair of query.split(separator)) {
    if (pair === '') continue;
    const equals = pair.indexOf('=');
    const key = decodeURIComponent(equals < 0 ? pair : pair.slice(0, equals));
    params[key] = decodeURIComponent(equals < 0 ? '' : pair.slice(equals + 1));
  }
  // Decoded parts go into drivers' startup packets (C strings) and option strings, where a NUL
  // (%00) would cut them short; names have no business holding any control character.
  // biome-ignore lint/suspicious/noControlCharactersInRegex: refusing control characters is the point
  const control = /[\u0000-\u001f\u007f]/;
  if ([host, database, ...Object.keys(params)].some((part) => control.test(part)))
    throw new Error('The URL may not contain control characters, also not percent-encoded (%00, %0A, ...)');
  if (Object.values(params).some((value) => value.includes('\u0000')))
    throw new Error('A URL parameter may not contain a NUL character (%00)');
  return { dialect: known.dialect, scheme: scheme as JdbcUrl['scheme'], host, port, database, params };
}
