import { spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { freePort, LocalServiceError, type StartedProcess, spawnService, waitForPort } from './processes.js';

function which(command: string): string | undefined {
  const result = spawnSync('sh', ['-c', `command -v ${command}`]);
  const path = result.stdout?.toString().trim();
  return result.status === 0 && path ? path : undefined;
}

/** Finds redis-server, installing Debian's package when we are root and it is missing. */
export function findRedisServer(): string {
  const found = which('redis-server');
  if (found) return found;
  if (process.getuid?.() === 0 && which('apt-get')) {
    process.stderr.write('redis-server is missing; installing it with apt-get...\n');
    spawnSync(
      'sh',
      ['-c', 'apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq redis-server'],
      {
        stdio: 'ignore',
      },
    );
    const installed = which('redis-server');
    if (installed) return installed;
  }
  throw new LocalServiceError(
    'Redis is not reachable and redis-server is not installed: install it (apt-get install redis-server) or set REDIS_URL (e.g. `docker compose up -d mongo redis`).',
  );
}

/** Starts a throw-away redis-server (no persistence) on a loopback port. */
export async function startRedisServer(port?: number): Promise<StartedProcess & { url: string; port: number }> {
  const binary = findRedisServer();
  const chosen = port ?? (await freePort());
  const { child, started } = spawnService('Redis', binary, [
    '--bind',
    '127.0.0.1',
    '--port',
    String(chosen),
    '--save',
    '',
    '--appendonly',
    'no',
    // A replica's full sync still writes an RDB file: keep it out of the working directory.
    '--dir',
    tmpdir(),
    '--dbfilename',
    `orgauth-redis-${chosen}.rdb`,
    '--daemonize',
    'no',
  ]);
  await waitForPort(child, chosen, 'Redis');
  return { ...started, url: `redis://127.0.0.1:${chosen}`, port: chosen };
}
