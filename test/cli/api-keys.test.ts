import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { apiClient } from '../support/api.js';
import { runCli } from '../support/cli.js';
import { uniqueEmail } from '../support/factories.js';
import { startTestServer, testEnv } from '../support/harness.js';

const env = testEnv();
let server: Awaited<ReturnType<typeof startTestServer>>;

beforeAll(async () => {
  server = await startTestServer(loadConfig(env));
});
afterAll(() => server?.close());

describe('orgauth apikey create / platform key create', () => {
  it('gives a member a key that works against the admin API of that organization only', async () => {
    const email = uniqueEmail('keyholder');
    const user = (await runCli(['user', 'create', '--email', email, '--password', 'hunter2hunter2'], env)).json<{
      id: string;
      personalOrgId: string;
    }>();
    const org = (await runCli(['org', 'create', '--name', 'CLI Keys Co', '--owner', email], env)).json<{
      id: string;
    }>();
    const created = await runCli(['apikey', 'create', '--org', org.id, '--email', email, '--name', 'deploy bot'], env);
    expect(created.stderr).toBe('');
    const key = created.json<{ id: string; key: string }>();
    expect(key).toMatchObject({
      id: expect.stringMatching(/^key_/),
      key: expect.stringMatching(/^oa_live_/),
      orgId: org.id,
      userId: user.id,
    });
    const call = apiClient(server.url, key.key);
    expect((await call('GET', `/orgs/${org.id}`)).status).toBe(200);
    expect((await call('GET', `/orgs/${user.personalOrgId}`)).status).toBe(403);
    const listed = await call<{ items: { id: string; name: string }[] }>('GET', `/orgs/${org.id}/api-keys`);
    expect(listed.body.items).toEqual([expect.objectContaining({ id: key.id, name: 'deploy bot' })]);
  });

  it('refuses a key for someone who is not a member, in one line', async () => {
    const owner = uniqueEmail('owner');
    const outsider = uniqueEmail('outsider');
    await runCli(['user', 'create', '--email', owner, '--password', 'hunter2hunter2'], env);
    await runCli(['user', 'create', '--email', outsider, '--password', 'hunter2hunter2'], env);
    const org = (await runCli(['org', 'create', '--name', 'Closed Co', '--owner', owner], env)).json<{ id: string }>();
    const result = await runCli(['apikey', 'create', '--org', org.id, '--email', outsider, '--name', 'x'], env);
    expect(result.code).not.toBe(0);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(/^orgauth: .*not a member/);
  });

  it('creates a platform key for the cross-organization routes', async () => {
    const created = await runCli(['platform', 'key', 'create', '--name', 'ops'], env);
    const key = created.json<{ id: string; key: string; name: string }>();
    expect(key.key).toMatch(/^oa_admin_/);
    const organizations = await apiClient(server.url, key.key)('GET', '/orgs');
    expect(organizations.status).toBe(200);
  });

  it('makes a person a platform admin of the console, and takes it back', async () => {
    const email = uniqueEmail('operator');
    await runCli(['user', 'create', '--email', email, '--password', 'hunter2hunter2'], env);
    const added = await runCli(['platform', 'admin', 'add', '--email', email.toUpperCase()], env);
    expect(added.json()).toMatchObject({ id: expect.stringMatching(/^usr_/), email, platformAdmin: true });
    const removed = await runCli(['platform', 'admin', 'remove', '--email', email], env);
    expect(removed.json()).toMatchObject({ email, platformAdmin: false });
    const unknown = await runCli(['platform', 'admin', 'add', '--email', uniqueEmail('nobody')], env);
    expect(unknown.code).not.toBe(0);
    expect(unknown.stderr).toMatch(/^orgauth: no account with the email /);
  });
});
