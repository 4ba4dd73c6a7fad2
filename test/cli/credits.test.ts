import { describe, expect, it } from 'vitest';
import { runCli } from '../support/cli.js';
import { uniqueEmail } from '../support/factories.js';
import { testEnv } from '../support/harness.js';

const env = testEnv();

describe('orgauth credits', () => {
  it('adds credits, prints the balance, and adds a repeated --idempotency-key once', async () => {
    const email = uniqueEmail('payer');
    await runCli(['user', 'create', '--email', email, '--password', 'hunter2hunter2'], env);
    const org = (await runCli(['org', 'create', '--name', 'Paying Co', '--owner', email], env)).json<{ id: string }>();
    const args = ['credits', 'add', '--org', org.id, '--amount', '250', '--description', 'invoice 42'];
    const first = await runCli([...args, '--idempotency-key', 'inv-42'], env);
    expect(first.json()).toMatchObject({
      orgId: org.id,
      balance: 250,
      replayed: false,
      transaction: { kind: 'credit', amount: 250, description: 'invoice 42' },
    });
    expect((await runCli([...args, '--idempotency-key', 'inv-42'], env)).json()).toMatchObject({
      balance: 250,
      replayed: true,
    });
    expect((await runCli(args, env)).json()).toMatchObject({ balance: 500 });
    const verified = (await runCli(['credits', 'verify', '--org', org.id], env)).json();
    expect(verified).toMatchObject({
      organizations: 1,
      differences: 0,
      reports: [{ balance: 500, entries: 2, chainErrors: [] }],
    });
  });

  it('verifies one organization only if it exists', async () => {
    const unknown = await runCli(['credits', 'verify', '--org', 'org_AAAAAAAAAAAAAAAAAAAAAA'], env);
    expect(unknown.code).not.toBe(0);
    expect(unknown.stdout).toBe('');
    expect(unknown.stderr).toMatch(/^orgauth: organization org_AAAAAAAAAAAAAAAAAAAAAA does not exist/);
  });

  it('refuses a bad amount or an unknown organization in one line', async () => {
    const bad = await runCli(
      ['credits', 'add', '--org', 'org_AAAAAAAAAAAAAAAAAAAAAA', '--amount', '1.5', '--description', 'x'],
      env,
    );
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toMatch(/^orgauth: --amount must be a whole number/);
    const unknown = await runCli(
      ['credits', 'add', '--org', 'org_AAAAAAAAAAAAAAAAAAAAAA', '--amount', '5', '--description', 'x'],
      env,
    );
    expect(unknown.stderr).toMatch(/^orgauth: organization org_AAAAAAAAAAAAAAAAAAAAAA does not exist\n$/);
  });
});
