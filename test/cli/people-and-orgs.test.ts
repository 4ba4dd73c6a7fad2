import { describe, expect, it } from 'vitest';
import { listAudit } from '../../src/audit/service.js';
import { loadConfig } from '../../src/config.js';
import { runCli } from '../support/cli.js';
import { uniqueEmail } from '../support/factories.js';
import { openTestStores, testEnv } from '../support/harness.js';

const env = testEnv();

function expectOneLineError(result: { code: number | null; stdout: string; stderr: string }, pattern: RegExp) {
  expect(result.code).not.toBe(0);
  expect(result.stdout).toBe('');
  expect(result.stderr.trim().split('\n')).toHaveLength(1);
  expect(result.stderr).toMatch(pattern);
}

describe('orgauth CLI', () => {
  it('creates a user, an organization and a membership, printing JSON', async () => {
    const owner = uniqueEmail('owner');
    const user = await runCli(
      ['user', 'create', '--email', owner, '--password', 'hunter2hunter2', '--name', 'Owner'],
      env,
    );
    expect(user.code).toBe(0);
    expect(user.json()).toEqual({
      id: expect.stringMatching(/^usr_/),
      email: owner,
      personalOrgId: expect.stringMatching(/^org_/),
    });

    const org = await runCli(
      ['org', 'create', '--name', 'Acme', '--description', 'Tools', '--owner', owner.toUpperCase()],
      env,
    );
    expect(org.code).toBe(0);
    expect(org.json()).toEqual({ id: expect.stringMatching(/^org_/), name: 'Acme' });

    const member = uniqueEmail('member');
    const created = await runCli(['user', 'create', '--email', member, '--password', 'hunter2hunter2'], env);
    const added = await runCli(
      ['member', 'add', '--org', org.json<{ id: string }>().id, '--email', member, '--role', 'admin'],
      env,
    );
    expect(added.code).toBe(0);
    expect(added.json()).toEqual({ orgId: org.json().id, userId: created.json().id, role: 'admin' });

    // An operator's changes are in the organization's audit log like everyone else's.
    const stores = await openTestStores(loadConfig(env));
    try {
      const audit = await listAudit(stores.db, org.json<{ id: string }>().id, { limit: 10 });
      expect(audit.items.map((e) => [e.action, e.actor.type, e.actor.id])).toEqual([
        ['member.added', 'system', 'orgauth-cli'],
        ['org.created', 'system', 'orgauth-cli'],
      ]);
    } finally {
      await stores.close();
    }
  });

  it('refuses a missing flag', async () => {
    expectOneLineError(await runCli(['user', 'create', '--email', uniqueEmail()], env), /^orgauth: .*--password/);
    expectOneLineError(await runCli(['org', 'rename'], env), /^orgauth: unknown command/);
  });

  it('lists people and organizations page by page', async () => {
    const email = uniqueEmail('listed');
    const made = await runCli(
      ['user', 'create', '--email', email, '--password', 'hunter2hunter2', '--name', 'Listed'],
      env,
    );
    const personalOrgId = made.json<{ personalOrgId: string }>().personalOrgId;
    const everyone: Array<{ id: string; email: string }> = [];
    let cursor: string | null = null;
    do {
      const page = await runCli(['user', 'list', '--limit', '2', ...(cursor ? ['--cursor', cursor] : [])], env);
      expect(page.code).toBe(0);
      const body = page.json<{ items: Array<{ id: string; email: string }>; nextCursor: string | null }>();
      expect(body.items.length).toBeLessThanOrEqual(2);
      everyone.push(...body.items);
      cursor = body.nextCursor;
    } while (cursor);
    expect(everyone.find((u) => u.email === email)).toMatchObject({ name: 'Listed', platformAdmin: false });
    expect(JSON.stringify(everyone)).not.toMatch(/password|argon/i);

    const orgs = await runCli(['org', 'list', '--limit', '100'], env);
    expect(orgs.code).toBe(0);
    expect(orgs.json<{ items: Array<{ id: string }> }>().items).toContainEqual(
      expect.objectContaining({ id: personalOrgId, personal: true }),
    );
    expectOneLineError(await runCli(['org', 'list', '--limit', '0'], env), /^orgauth: .*limit/);
  });

  it('refuses an unknown role', async () => {
    const result = await runCli(['member', 'add', '--org', 'org_x', '--email', uniqueEmail(), '--role', 'boss'], env);
    expectOneLineError(result, /boss.*owner, admin, member/);
  });

  it('refuses a duplicate email, whatever its case', async () => {
    const email = uniqueEmail('dup');
    expect((await runCli(['user', 'create', '--email', email, '--password', 'hunter2hunter2'], env)).code).toBe(0);
    const again = await runCli(['user', 'create', '--email', email.toUpperCase(), '--password', 'hunter2hunter2'], env);
    expectOneLineError(again, /already exists/);
  });

  it('refuses an unknown organization and an unknown owner', async () => {
    const email = uniqueEmail('someone');
    await runCli(['user', 'create', '--email', email, '--password', 'hunter2hunter2'], env);
    const result = await runCli(
      ['member', 'add', '--org', 'org_AAAAAAAAAAAAAAAAAAAAAA', '--email', email, '--role', 'member'],
      env,
    );
    expectOneLineError(result, /organization org_AAAAAAAAAAAAAAAAAAAAAA does not exist/);
    expectOneLineError(
      await runCli(['org', 'create', '--name', 'X', '--owner', uniqueEmail('ghost')], env),
      /no user with email/,
    );
  });

  it('refuses invalid input with the field that is wrong', async () => {
    const result = await runCli(['user', 'create', '--email', 'nope', '--password', 'hunter2hunter2'], env);
    expectOneLineError(result, /email is not a valid email address/);
  });

  it('says clearly when the configuration is wrong', async () => {
    const result = await runCli(['user', 'create', '--email', uniqueEmail(), '--password', 'x'.repeat(10)], {
      ...env,
      REDIS_URL: 'http://wrong',
    });
    expectOneLineError(result, /REDIS_URL must be redis:\/\/, rediss:\/\/ or redis\+sentinel:\/\//);
  });
});
