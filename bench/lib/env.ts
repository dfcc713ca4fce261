// Where the stack's services are: the same four environment variables tests read (PG_URL,
// MYSQL_URL, KAFKA_BROKERS, SCHEMA_REGISTRY_URL), defaulting to the local stack's loopback endpoints.

export interface BenchEnv {
  pgUrl: string;
  mysqlUrl: string;
  kafkaBrokers: string[];
  schemaRegistryUrl: string;
}

export function benchEnv(): BenchEnv {
  return {
    pgUrl: process.env.PG_URL || 'postgres://onramp:onramp@127.0.0.1:5432/onramp',
    mysqlUrl: process.env.MYSQL_URL || 'mysql://onramp:onramp@127.0.0.1:3306/onramp',
    kafkaBrokers: (process.env.KAFKA_BROKERS || '127.0.0.1:9092').split(',').map((b) => b.trim()),
    schemaRegistryUrl: process.env.SCHEMA_REGISTRY_URL || 'http://127.0.0.1:8081',
  };
}

/** host, port, user, password and database of a postgres:// or mysql:// URL, as connector configs want them. */
export function urlParts(url: string, defaultPort: number) {
  const parsed = new URL(url);
  return {
    hostname: parsed.hostname,
    port: parsed.port ? Number(parsed.port) : defaultPort,
    user: decodeURIComponent(parsed.username),
    password: decodeURIComponent(parsed.password),
    database: parsed.pathname.replace(/^\//, ''),
  };
}
