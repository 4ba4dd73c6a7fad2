import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { freePort, LocalServiceError, type StartedProcess, spawnService, waitForPort } from './processes.js';

export interface FerretDbOptions {
  /** Repository root: holds scripts/build-ferretdb.sh and the git-ignored .cache/. */
  root: string;
  /** Folder for FerretDB's SQLite files. */
  dataDir: string;
  port?: number;
  /** More SQLite pragmas for every connection, e.g. `busy_timeout(0)` (tests). */
  sqlitePragmas?: string[];
}

/**
 * The binary built from FerretDB v1.24.2 with the patches in scripts/ferretdb-patches/: its name ends with the
 * first 12 hex digits of the SHA-256 of the patch files concatenated in file-name order (as
 * scripts/build-ferretdb.sh computes it), so changed patches get a new build.
 */
export function ferretDbBinary(root: string): string {
  const dir = join(root, 'scripts', 'ferretdb-patches');
  const hash = createHash('sha256');
  for (const name of readdirSync(dir)
    .filter((n) => n.endsWith('.patch'))
    .sort())
    hash.update(readFileSync(join(dir, name)));
  return join(root, '.cache', 'bin', `ferretdb-v1.24.2-${hash.digest('hex').slice(0, 12)}`);
}

/** Builds the FerretDB binary from the Go module proxy when it is not cached yet. */
export function buildFerretDb(root: string): string {
  const binary = ferretDbBinary(root);
  if (existsSync(binary)) return binary;
  const result = spawnSync('bash', [join(root, 'scripts', 'build-ferretdb.sh')], {
    stdio: ['ignore', 'inherit', 'pipe'],
  });
  if (result.status !== 0) {
    const lastLine = result.stderr.toString().trim().split('\n').pop();
    throw new LocalServiceError(
      lastLine ||
        'FerretDB could not be built: install Go >= 1.24, or set MONGODB_URI (e.g. `docker compose up -d mongo redis`).',
    );
  }
  return binary;
}

/**
 * SQLite settings of every connection. WAL with synchronous=NORMAL: a commit survives a crash of any process,
 * and only the last commits may be lost on power loss (MongoDB's default journal also commits every 100 ms);
 * writes cost about a third of SQLite's default fsync per commit here. No automatic checkpoints: the patched
 * FerretDB checkpoints every 200 ms in the background (patch 0011), so a write no longer runs one in its commit.
 */
const PRAGMAS = ['synchronous(normal)', 'wal_autocheckpoint(0)'];

/** Starts FerretDB on its SQLite backend on a loopback port; resolves once it accepts connections. */
export async function startFerretDb(options: FerretDbOptions): Promise<StartedProcess & { uri: string }> {
  const binary = buildFerretDb(options.root);
  mkdirSync(options.dataDir, { recursive: true });
  const port = options.port ?? (await freePort());
  const pragmas = [...PRAGMAS, ...(options.sqlitePragmas ?? [])].map((p) => `_pragma=${p}`).join('&');
  const { child, started, stderr } = spawnService(
    'FerretDB',
    binary,
    [
      '--handler=sqlite',
      `--sqlite-url=file:${options.dataDir.replace(/\/?$/, '/')}?${pragmas}`,
      `--listen-addr=127.0.0.1:${port}`,
      `--debug-addr=${process.env.FERRETDB_DEBUG_ADDR ?? '-'}`,
      '--state-dir=-',
      '--telemetry=disable',
      '--log-level=warn',
    ],
    // Go's collector ran at GOGC=100 for about 8% of FerretDB's CPU under token traffic (it allocates for
    // every document it decodes or encodes); at 400 it runs a quarter as often, which took 15-30% off
    // FerretDB's CPU per token, with the heap held under GOMEMLIMIT. Set either to choose otherwise.
    { DO_NOT_TRACK: '1', GOGC: process.env.GOGC ?? '400', GOMEMLIMIT: process.env.GOMEMLIMIT ?? '512MiB' },
  );
  try {
    await waitForPort(child, port, 'FerretDB');
  } catch (error) {
    throw new LocalServiceError(`${(error as Error).message}: ${stderr().trim().split('\n').pop() ?? ''}`);
  }
  return { ...started, uri: `mongodb://127.0.0.1:${port}/` };
}
