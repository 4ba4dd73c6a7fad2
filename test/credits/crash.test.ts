import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiKey } from '../../src/apikeys/service.js';
import { loadConfig } from '../../src/config.js';
import { addCredits } from '../../src/credits/service.js';
import type { Stores } from '../../src/stores/index.js';
import { repoRoot } from '../../src/stores/local/index.js';
import { freePort } from '../../src/stores/local/processes.js';
import { apiClient } from '../support/api.js';
import { runCli } from '../support/cli.js';
import { createOrg, createUser } from '../support/factories.js';
import { eventually, openTestStores, testEnv } from '../support/harness.js';

let env: Record<string, string>;
let stores: Stores;
let child: ChildProcess | undefined;

async function startServerProcess(): Promise<{ url: string; exited: Promise<unknown> }> {
  const port = await freePort();
  child = spawn(process.execPath, [join(repoRoot, 'dist', 'main.js')], {
    env: { PATH: process.env.PATH ?? '', ...env, PORT: String(port), ISSUER: `http://127.0.0.1:${port}` },
    stdio: 'ignore',
  });
  const process_ = child;
  const exited = new Promise((resolve) => process_.once('exit', resolve));
  const url = `http://127.0.0.1:${port}`;
  await eventually(async () => expect((await fetch(`${url}/readyz`)).status).toBe(200), { timeoutMs: 20_000 });
  return { url, exited };
}

beforeAll(async () => {
  env = testEnv();
  stores = await openTestStores(loadConfig(env));
});
afterAll(async () => {
  child?.kill('SIGKILL');
  await stores?.close();
});

describe('a crash in the middle of debits', () => {
  it('leaves every organization charged with its log entry or not at all; verify finds or repairs any difference', {
    timeout: 120_000,
  }, async () => {
    const person = await createUser(stores.db);
    const org = await createOrg(stores.db, person._id, 'Crashing Co');
    const key = await createApiKey(stores.db, { orgId: org._id, userId: person._id }, { name: 'load' });
    await addCredits(
      stores.db,
      org._id,
      { amount: 100_000, description: 'opening' },
      { actor: { type: 'system', id: 'test' } },
    );

    const first = await startServerProcess();
    const call = apiClient(first.url, key.key);
    const sent: string[] = [];
    let acknowledged = 0;
    let stop = false;
    const worker = async () => {
      while (!stop) {
        const idempotencyKey = `crash-${sent.length}-${Math.random()}`;
        sent.push(idempotencyKey);
        try {
          const answer = await call(
            'POST',
            `/orgs/${org._id}/credits/debits`,
            { amount: 3, description: 'tick' },
            { 'idempotency-key': idempotencyKey },
          );
          if (answer.status === 201) acknowledged += 1;
        } catch {
          return; // the server is gone
        }
      }
    };
    const workers = Array.from({ length: 8 }, worker);
    await eventually(async () => expect(acknowledged).toBeGreaterThan(60), { timeoutMs: 30_000, intervalMs: 5 });
    child?.kill('SIGKILL');
    await first.exited;
    stop = true;
    await Promise.all(workers);

    // Every entry is one of the debits sent, none twice, and the log is consistent.
    const entries = await stores.db.creditEntries.find({ orgId: org._id, kind: 'debit' }).lean();
    expect(entries.length).toBeGreaterThanOrEqual(acknowledged);
    expect(entries.length).toBeLessThanOrEqual(acknowledged + 8);
    expect(new Set(entries.map((e) => e.idempotencyKey)).size).toBe(entries.length);
    for (const entry of entries) expect(sent).toContain(entry.idempotencyKey);

    const verified = (await runCli(['credits', 'verify', '--org', org._id], env)).json<{
      differences: number;
      reports: { balance: number; cacheBehind: boolean; chainErrors: string[] }[];
    }>();
    expect(verified.reports[0]?.chainErrors).toEqual([]);
    expect(verified.reports[0]?.balance).toBe(100_000 - 3 * entries.length);
    if (verified.differences === 0) {
      process.stdout.write(
        `crash test: ${entries.length} debits logged (${acknowledged} acknowledged); verify found no difference\n`,
      );
    } else {
      const repaired = (await runCli(['credits', 'verify', '--org', org._id, '--repair'], env)).json<{
        repaired: number;
      }>();
      expect(repaired.repaired).toBe(1);
      const again = (await runCli(['credits', 'verify', '--org', org._id], env)).json<{ differences: number }>();
      expect(again.differences).toBe(0);
      process.stdout.write(
        `crash test: ${entries.length} debits logged (${acknowledged} acknowledged); verify found the cached balance behind, --repair fixed it\n`,
      );
    }

    // After a restart the balance is the log's, and debits go on from there.
    const second = await startServerProcess();
    const restarted = apiClient(second.url, key.key);
    expect((await restarted('GET', `/orgs/${org._id}/credits`)).body).toMatchObject({
      balance: 100_000 - 3 * entries.length,
    });
    expect(
      (
        await restarted(
          'POST',
          `/orgs/${org._id}/credits/debits`,
          { amount: 1, description: 'after' },
          { 'idempotency-key': 'after-1' },
        )
      ).status,
    ).toBe(201);
  });
});
