import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { startFerretDb } from '../../src/stores/local/ferretdb.js';
import { repoRoot } from '../../src/stores/local/index.js';
import { canConnect } from '../../src/stores/local/processes.js';
import { startRedisServer } from '../../src/stores/local/redis-server.js';
import { QUERY_SHAPE_LOG, QUERY_SHAPE_RUN } from './query-shape-log.js';

declare module 'vitest' {
  export interface ProvidedContext {
    mongoUri: string;
    redisUrl: string;
    queryShapeLog: string;
  }
}

/** Starts one FerretDB (SQLite, throw-away folder) and finds or starts one Redis for the whole run. */
export default async function setup(project: TestProject) {
  // Every MongoDB read of the run is recorded in a folder of its own (other runs may share the
  // machine); test/stores/query-shapes.test.ts, in a later group of the same run, checks them.
  mkdirSync(QUERY_SHAPE_LOG, { recursive: true });
  const queryShapeLog = mkdtempSync(join(QUERY_SHAPE_LOG, 'run-'));
  process.env[QUERY_SHAPE_RUN] = queryShapeLog;
  project.provide('queryShapeLog', queryShapeLog);
  const dataDir = mkdtempSync(join(tmpdir(), 'orgauth-test-ferretdb-'));
  const ferret = await startFerretDb({ root: repoRoot, dataDir });
  const redis = (await canConnect('127.0.0.1', 6379)) ? undefined : await startRedisServer();
  project.provide('mongoUri', ferret.uri);
  project.provide('redisUrl', redis?.url ?? 'redis://127.0.0.1:6379');
  return async () => {
    await redis?.stop();
    await ferret.stop();
    rmSync(dataDir, { recursive: true, force: true });
    rmSync(queryShapeLog, { recursive: true, force: true });
  };
}
