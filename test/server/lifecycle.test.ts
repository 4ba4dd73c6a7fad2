import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoRoot } from '../../src/stores/local/index.js';
import { freePort } from '../../src/stores/local/processes.js';
import { eventually, testEnv } from '../support/harness.js';

describe('server process', () => {
  it('starts from the environment, serves, and exits cleanly on SIGTERM', async () => {
    const port = await freePort();
    const child = spawn(process.execPath, [join(repoRoot, 'dist', 'main.js')], {
      env: { PATH: process.env.PATH ?? '', ...testEnv({ PORT: String(port), LOG_LEVEL: 'info' }) },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (c: Buffer) => (output += c.toString()));
    child.stderr.on('data', (c: Buffer) => (output += c.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));

    await eventually(async () => expect((await fetch(`http://127.0.0.1:${port}/readyz`)).status).toBe(200), {
      timeoutMs: 20_000,
    });
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(output).toContain('"msg":"shutting down"');
    // A clean start and stop log no false alarms (a replay tried before Redis was connected, warnings).
    expect(output).not.toMatch(/replay failed|DeprecationWarning|"level":50/);
    await expect(fetch(`http://127.0.0.1:${port}/healthz`)).rejects.toThrow();
  });

  it('refuses to start with a configuration error listing the bad variables', async () => {
    const child = spawn(process.execPath, [join(repoRoot, 'dist', 'main.js')], {
      env: { PATH: process.env.PATH ?? '', NODE_ENV: 'production', PORT: 'x' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    const code = await new Promise<number | null>((resolve) => child.on('exit', (c) => resolve(c)));
    expect(code).toBe(1);
    expect(stderr).toContain('Invalid configuration');
    for (const name of ['PORT', 'MONGODB_URI', 'REDIS_URL', 'SECRET_KEY']) expect(stderr).toContain(`- ${name}`);
    expect(stderr).not.toMatch(/at .*\.js:\d+/);
  });
});
