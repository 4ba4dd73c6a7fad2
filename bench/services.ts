// What every benchmark starts with: a throw-away FerretDB, the machine's Redis (or one of its own),
// and the environment of an Orgauth server on a free loopback port with the abuse limits lifted.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startFerretDb } from '../src/stores/local/ferretdb.js';
import { repoRoot } from '../src/stores/local/index.js';
import { canConnect, freePort } from '../src/stores/local/processes.js';
import { startRedisServer } from '../src/stores/local/redis-server.js';

/** The environment of an Orgauth server on a loopback port over the given stores, abuse limits lifted. */
export function benchEnv(name: string, port: number, mongoUri: string, redisUrl: string) {
  return {
    NODE_ENV: 'test',
    HOST: '127.0.0.1',
    PORT: String(port),
    ISSUER: `http://127.0.0.1:${port}`,
    MONGODB_URI: `${mongoUri}bench${name.replace(/\W/g, '')}`,
    REDIS_URL: redisUrl,
    REDIS_KEY_PREFIX: `bench-${name}-${Date.now()}:`,
    SECRET_KEY: 'bench-secret-key-that-is-long-enough-000000',
    LOG_LEVEL: 'silent',
    // The benchmark measures the server, not its abuse limits.
    TOKEN_RATE_LIMIT: '1000000000',
    API_RATE_LIMIT: '1000000000',
    API_AUTH_FAILURES_PER_IP: '1000000000',
    // The bench times the expired-record sweep itself (an admin row); the server's own, ten minutes after it
    // starts, would otherwise purge the seeded expired records in the middle of the large-data runs.
    SWEEP_INTERVAL_SECONDS: '0',
  };
}

export async function benchServices(name: string) {
  const dataDir = mkdtempSync(join(tmpdir(), `orgauth-bench-${name}-`));
  const ferret = await startFerretDb({ root: repoRoot, dataDir });
  const redis = (await canConnect('127.0.0.1', 6379)) ? undefined : await startRedisServer();
  const port = await freePort();
  const env = benchEnv(name, port, ferret.uri, redis?.url ?? 'redis://127.0.0.1:6379');
  return {
    env,
    base: `http://127.0.0.1:${port}`,
    /** FerretDB's process, to read its CPU time. */
    dbPid: ferret.pid,
    async stop() {
      await redis?.stop();
      await ferret.stop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** Resolves once the URL answers 2xx. */
export async function waitUntil(url: string): Promise<void> {
  for (let i = 0; i < 300; i++) {
    if (
      await fetch(url).then(
        (r) => r.ok,
        () => false,
      )
    )
      return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${url} did not answer`);
}
