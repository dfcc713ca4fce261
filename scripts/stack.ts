// npm run stack -- up|down|status|env|certs : the local PostgreSQL, MariaDB, Kafka (4.4 and 3.9) and
// schema registry (no Docker needed). The work is in scripts/stack/; this is only the command line.
import {
  STACK_ENV_NAMES,
  stackDir,
  stackDown,
  stackEnv,
  stackKafkaSecrets,
  stackStatus,
  stackUp,
} from './stack/index.ts';

export * from './stack/index.ts';

const USAGE = 'usage: npm run stack -- up|down|status|env|certs';

async function main(command: string | undefined): Promise<number> {
  switch (command) {
    case 'up': {
      const started = Date.now();
      await stackUp();
      for (const service of await stackStatus()) {
        process.stdout.write(`${service.name.padEnd(16)} ${service.state.padEnd(8)} ${service.endpoint}\n`);
      }
      process.stdout.write(
        `logs: ${stackDir()}/logs  (up in ${((Date.now() - started) / 1000).toFixed(1)} s)\n`,
      );
      return 0;
    }
    case 'down': {
      const stopped = await stackDown();
      process.stdout.write(
        stopped.length > 0 ? `stopped: ${stopped.join(', ')}\n` : 'nothing of ours was running\n',
      );
      return 0;
    }
    case 'status': {
      const statuses = await stackStatus();
      for (const service of statuses) {
        const pid = service.pid === undefined ? '' : ` (pid ${service.pid})`;
        process.stdout.write(
          `${service.name.padEnd(16)} ${service.state.padEnd(8)} ${service.endpoint}${pid}\n`,
        );
      }
      process.stdout.write(`stack folder: ${stackDir()}\n`);
      return statuses.every((service) => service.state === 'running') ? 0 : 3;
    }
    case 'env': {
      const env = stackEnv();
      for (const name of STACK_ENV_NAMES) process.stdout.write(`${name}=${env[name]}\n`);
      return 0;
    }
    case 'certs': {
      // For `docker compose up`: its Kafka mounts these (see docker-compose.yml).
      const folder = await stackKafkaSecrets();
      process.stdout.write(`Kafka TLS files and SASL password in ${folder} (tls/, sasl-password)\n`);
      return 0;
    }
    default:
      process.stderr.write(`${USAGE}\n`);
      return 2;
  }
}

if (import.meta.main) {
  main(process.argv[2]).then(
    (code) => process.exit(code),
    (error: unknown) => {
      process.stderr.write(`[stack] ${error instanceof Error ? error.message : String(error)}\n`);
      process.exit(1);
    },
  );
}
