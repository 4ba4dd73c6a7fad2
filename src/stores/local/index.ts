import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startFerretDb } from './ferretdb.js';
import { canConnect, type StartedProcess } from './processes.js';
import { startRedisServer } from './redis-server.js';

export { LocalServiceError } from './processes.js';

/** The repository root, whether we run from src/ (tsx, vitest) or dist/ (built). */
export const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));
export const localDataDir = join(repoRoot, '.data');
const stateFile = join(localDataDir, 'services.json');

export interface LocalServices {
  env: Record<string, string | undefined>;
  started: StartedProcess[];
  /** What was used or started, for the operator to read. */
  summary: string[];
  stop(): Promise<void>;
}

interface SharedState {
  pid: number;
  mongodbUri: string;
}

function readSharedState(): SharedState | undefined {
  try {
    const state = JSON.parse(readFileSync(stateFile, 'utf8')) as SharedState;
    process.kill(state.pid, 0);
    return state;
  } catch {
    return undefined;
  }
}

/** Dev-only secret, generated once and kept in the git-ignored data folder. */
function devSecretKey(): string {
  const file = join(localDataDir, 'secret-key');
  if (!existsSync(file)) {
    mkdirSync(localDataDir, { recursive: true });
    writeFileSync(file, randomBytes(48).toString('base64url'), { mode: 0o600 });
  }
  return readFileSync(file, 'utf8').trim();
}

/**
 * Fills in MONGODB_URI, REDIS_URL and (outside production) SECRET_KEY when they are not given:
 * reuses the FerretDB another local command already runs, or starts one; uses a Redis on
 * 127.0.0.1:6379 when one answers, or starts one. `share` records our FerretDB so CLI commands
 * run while the dev server is up reuse it instead of opening the same SQLite files twice.
 */
export async function bringUpLocalServices(
  env: Record<string, string | undefined>,
  { share = false }: { share?: boolean } = {},
): Promise<LocalServices> {
  const started: StartedProcess[] = [];
  const summary: string[] = [];
  const filled = { ...env };
  const stop = async () => {
    if (share && readSharedState()?.pid === process.pid) rmSync(stateFile, { force: true });
    await Promise.all(started.reverse().map((s) => s.stop()));
  };
  try {
    if (!filled.MONGODB_URI) {
      const shared = readSharedState();
      if (shared && (await canConnect('127.0.0.1', Number(new URL(shared.mongodbUri).port)))) {
        filled.MONGODB_URI = `${shared.mongodbUri}orgauth`;
        summary.push(`MongoDB: using the local FerretDB of process ${shared.pid} at ${shared.mongodbUri}`);
      } else {
        const ferret = await startFerretDb({ root: repoRoot, dataDir: join(localDataDir, 'ferretdb') });
        started.push(ferret);
        filled.MONGODB_URI = `${ferret.uri}orgauth`;
        summary.push(`MongoDB: started FerretDB 1.24.2 (SQLite in .data/ferretdb) at ${ferret.uri}`);
        if (share) writeFileSync(stateFile, JSON.stringify({ pid: process.pid, mongodbUri: ferret.uri }));
      }
    }
    if (!filled.REDIS_URL) {
      if (await canConnect('127.0.0.1', 6379)) {
        filled.REDIS_URL = 'redis://127.0.0.1:6379';
        summary.push('Redis: using the one answering on 127.0.0.1:6379');
      } else {
        const redis = await startRedisServer();
        started.push(redis);
        filled.REDIS_URL = redis.url;
        summary.push(`Redis: started redis-server at ${redis.url}`);
      }
    }
    if (!filled.SECRET_KEY && filled.NODE_ENV !== 'production') filled.SECRET_KEY = devSecretKey();
  } catch (error) {
    await stop();
    throw error;
  }
  return { env: filled, started, summary, stop };
}
