import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { freePort, LocalServiceError, type StartedProcess, spawnService, waitForPort } from './processes.js';

export interface FerretDbOptions {
  /** Repository root: holds scripts/build-ferretdb.sh and the git-ignored .cache/. */
  root: string;
  /** Folder for FerretDB's SQLite files. */
  dataDir: string;
  port?: number;
}

export function ferretDbBinary(root: string): string {
  return join(root, '.cache', 'bin', 'ferretdb-v1.24.2-idindex');
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

/** Starts FerretDB on its SQLite backend on a loopback port; resolves once it accepts connections. */
export async function startFerretDb(options: FerretDbOptions): Promise<StartedProcess & { uri: string }> {
  const binary = buildFerretDb(options.root);
  mkdirSync(options.dataDir, { recursive: true });
  const port = options.port ?? (await freePort());
  const { child, started, stderr } = spawnService(
    'FerretDB',
    binary,
    [
      '--handler=sqlite',
      // WAL with synchronous=NORMAL: a commit survives a crash of any process, and only the last
      // commits may be lost on power loss (MongoDB's default journal also commits every 100 ms).
      // Writes cost about a third of SQLite's default fsync per commit here.
      `--sqlite-url=file:${options.dataDir.replace(/\/?$/, '/')}?_pragma=synchronous(normal)`,
      `--listen-addr=127.0.0.1:${port}`,
      '--debug-addr=-',
      '--state-dir=-',
      '--telemetry=disable',
      '--log-level=warn',
    ],
    { DO_NOT_TRACK: '1' },
  );
  try {
    await waitForPort(child, port, 'FerretDB');
  } catch (error) {
    throw new LocalServiceError(`${(error as Error).message}: ${stderr().trim().split('\n').pop() ?? ''}`);
  }
  return { ...started, uri: `mongodb://127.0.0.1:${port}/` };
}
