import * as client from 'openid-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiKey } from '../../src/apikeys/service.js';
import { revocationFeed } from '../../src/resource/index.js';
import { createResourceServer } from '../../src/resources/service.js';
import { apiClient, orgWithRoles } from '../support/api.js';
import { launchBrowser } from '../support/browser.js';
import { addMemberAs, createUser, TEST_PASSWORD, uniqueEmail } from '../support/factories.js';
import { eventually, SOON_MS } from '../support/harness.js';
import {
  authorizeInBrowser,
  createClient,
  relyingParty,
  startAuthorization,
  startOidcServer,
} from '../support/oauth.js';
import { startResourceApp } from '../support/resource-app.js';

const THINGS = 'https://member-things.orgauth.test/';
const REDIRECT = 'http://127.0.0.1:5994/cb';

let server: Awaited<ReturnType<typeof startOidcServer>>;
let browser: Awaited<ReturnType<typeof launchBrowser>>;
let rp: client.Configuration;

beforeAll(async () => {
  server = await startOidcServer();
  browser = await launchBrowser();
  await createResourceServer(server.stores.db, { uri: THINGS, scopes: ['things:read'], format: 'jwt' });
  const tool = await createClient(server.stores, server.config, { name: 'Tool', redirectUris: [REDIRECT] });
  rp = await relyingParty(server.issuer, tool.client_id, tool.client_secret);
});
afterAll(async () => {
  await browser?.cleanup();
  await server?.close();
});

async function tokenFor(email: string, orgName: string, resource: string, scope: string) {
  const page = await (await browser.newContext()).newPage();
  const { url, checks } = await startAuthorization(rp, { redirectUri: REDIRECT, scope: `openid ${scope}`, resource });
  const callback = await authorizeInBrowser(page, url, REDIRECT, {
    email,
    password: TEST_PASSWORD,
    organizationName: orgName,
  });
  return (await client.authorizationCodeGrant(rp, callback, checks, { resource })).access_token;
}

describe('members', () => {
  it('lists members page by page', async () => {
    const acme = await orgWithRoles(server.stores.db, server.url, 'Paged Co');
    const first = await acme.as.member<{ items: { role: string }[]; nextCursor: string }>(
      'GET',
      `/orgs/${acme.org._id}/members?limit=2`,
    );
    expect(first.status).toBe(200);
    expect(first.body.items).toHaveLength(2);
    const second = await acme.as.member<{ items: { role: string }[]; nextCursor: string | null }>(
      'GET',
      `/orgs/${acme.org._id}/members?limit=2&cursor=${first.body.nextCursor}`,
    );
    expect(second.body.items).toHaveLength(1);
    expect(second.body.nextCursor).toBeNull();
    expect([...first.body.items, ...second.body.items].map((m) => m.role).sort()).toEqual(['admin', 'member', 'owner']);
    const bad = await acme.as.member('GET', `/orgs/${acme.org._id}/members?limit=1000`);
    expect(bad.status).toBe(400);
    expect(bad.body).toMatchObject({
      type: 'https://orgauth.dev/problems/invalid',
      errors: { limit: expect.any(String) },
    });
  });

  it('changes roles within the rules: only owners touch the owner role, one owner always remains', async () => {
    const acme = await orgWithRoles(server.stores.db, server.url, 'Roles Co');
    const path = (userId: string) => `/orgs/${acme.org._id}/members/${userId}`;
    expect((await acme.as.admin('PATCH', path(acme.member._id), { role: 'admin' })).body).toEqual({
      previousRole: 'member',
      role: 'admin',
    });
    expect((await acme.as.admin('PATCH', path(acme.member._id), { role: 'owner' })).status).toBe(403);
    expect((await acme.as.admin('PATCH', path(acme.owner._id), { role: 'member' })).status).toBe(403);
    const lastOwner = await acme.as.owner('PATCH', path(acme.owner._id), { role: 'admin' });
    expect(lastOwner.status).toBe(409);
    expect(lastOwner.body).toMatchObject({ type: 'https://orgauth.dev/problems/conflict' });
    expect((await acme.as.owner('DELETE', path(acme.owner._id))).status).toBe(409);
    expect((await acme.as.owner('PATCH', path(acme.member._id), { role: 'boss' })).body).toMatchObject({
      status: 400,
      errors: { role: expect.any(String) },
    });

    const transfer = await acme.as.owner('POST', `/orgs/${acme.org._id}/ownership`, { userId: acme.admin._id });
    expect(transfer.body).toEqual({ orgId: acme.org._id, ownerId: acme.admin._id, previousOwnerId: acme.owner._id });
    const roles = await acme.as.admin<{ items: { userId: string; role: string }[] }>(
      'GET',
      `/orgs/${acme.org._id}/members`,
    );
    expect(Object.fromEntries(roles.body.items.map((m) => [m.userId, m.role]))).toMatchObject({
      [acme.owner._id]: 'admin',
      [acme.admin._id]: 'owner',
    });
    // The former owner, now an admin, may leave; the new sole owner may not.
    expect((await acme.as.owner('DELETE', path(acme.owner._id))).status).toBe(204);
    expect((await acme.as.admin('DELETE', path(acme.admin._id))).status).toBe(409);
  });

  it('invites by email: a single-use token accepted by the invited person only', async () => {
    const { db } = server.stores;
    const acme = await orgWithRoles(db, server.url, 'Inviting Co');
    const email = uniqueEmail('invited');
    const invited = await acme.as.admin<{ id: string; token: string; role: string }>(
      'POST',
      `/orgs/${acme.org._id}/invitations`,
      { email, role: 'admin' },
    );
    expect(invited.status).toBe(201);
    expect(invited.body.token).toMatch(/^inv_.+\..+/);
    const pending = await acme.as.admin<{ items: Record<string, unknown>[] }>(
      'GET',
      `/orgs/${acme.org._id}/invitations`,
    );
    expect(pending.body.items.map((i) => i.id)).toContain(invited.body.id);
    expect(JSON.stringify(pending.body)).not.toContain(invited.body.token);
    expect((await acme.as.admin('POST', `/orgs/${acme.org._id}/invitations`, { email, role: 'owner' })).status).toBe(
      403,
    );

    const someoneElse = await createUser(db);
    const elseKey = await createApiKey(
      db,
      { orgId: someoneElse.personalOrgId, userId: someoneElse._id },
      { name: 'k' },
    );
    expect(
      (await apiClient(server.url, elseKey.key)('POST', '/invitations/accept', { token: invited.body.token })).status,
    ).toBe(403);

    const person = await createUser(db, { email: email.toUpperCase() });
    const key = await createApiKey(db, { orgId: person.personalOrgId, userId: person._id }, { name: 'k' });
    const asPerson = apiClient(server.url, key.key);
    const accepted = await asPerson('POST', '/invitations/accept', { token: invited.body.token });
    expect(accepted.body).toEqual({
      orgId: acme.org._id,
      userId: person._id,
      role: 'admin',
      invitationId: invited.body.id,
    });
    expect((await asPerson('POST', '/invitations/accept', { token: invited.body.token })).status).toBe(409);
    expect((await asPerson('POST', '/invitations/accept', { token: `${invited.body.id}.wrong` })).status).toBe(404);

    const personal = await apiClient(server.url, key.key)('POST', `/orgs/${person.personalOrgId}/invitations`, {
      email: uniqueEmail(),
    });
    expect(personal.status).toBe(400);
    const audit = await acme.as.owner<{ items: { action: string }[] }>(
      'GET',
      `/orgs/${acme.org._id}/audit?action=member.joined`,
    );
    expect(audit.body.items).toHaveLength(1);
  });
});

describe('API keys', () => {
  it('each member holds their own keys: secret shown once, admins see that keys exist and whose', async () => {
    const acme = await orgWithRoles(server.stores.db, server.url, 'Keys Co');
    const created = await acme.as.member<{ id: string; key: string; hint: string }>(
      'POST',
      `/orgs/${acme.org._id}/api-keys`,
      {
        name: 'laptop',
        scopes: ['things:read'],
      },
    );
    expect(created.status).toBe(201);
    expect(created.body.key).toMatch(/^oa_live_[0-9a-f]{16}_[A-Za-z0-9_-]{43}$/);
    const mine = await acme.as.member<{ items: { id: string; userId: string }[] }>(
      'GET',
      `/orgs/${acme.org._id}/api-keys`,
    );
    expect(mine.body.items.every((k) => k.userId === acme.member._id)).toBe(true);
    const all = await acme.as.admin<{ items: { id: string; userId: string }[] }>(
      'GET',
      `/orgs/${acme.org._id}/api-keys`,
    );
    expect(all.body.items.map((k) => k.userId)).toEqual(
      expect.arrayContaining([acme.owner._id, acme.admin._id, acme.member._id]),
    );
    expect(JSON.stringify(all.body)).not.toContain(created.body.key);
    expect(JSON.stringify(all.body)).not.toMatch(/secretHash/);

    const adminKey = all.body.items.find((k) => k.userId === acme.admin._id);
    expect((await acme.as.member('DELETE', `/orgs/${acme.org._id}/api-keys/${adminKey?.id}`)).status).toBe(403);
    expect((await acme.as.member('DELETE', `/orgs/${acme.org._id}/api-keys/${created.body.id}`)).status).toBe(204);
    expect((await apiClient(server.url, created.body.key)('GET', `/orgs/${acme.org._id}`)).status).toBe(401);
    const past = await acme.as.member('POST', `/orgs/${acme.org._id}/api-keys`, {
      name: 'old',
      expiresAt: '2020-01-01T00:00:00Z',
    });
    expect(past.body).toMatchObject({ status: 400, errors: { expiresAt: expect.any(String) } });
  });

  it('records when a key was last used', async () => {
    const acme = await orgWithRoles(server.stores.db, server.url, 'Usage Co');
    await acme.as.member('GET', `/orgs/${acme.org._id}`);
    const keys = await acme.as.member<{ items: { lastUsedAt: string | null }[] }>(
      'GET',
      `/orgs/${acme.org._id}/api-keys`,
    );
    expect(keys.body.items[0]?.lastUsedAt).not.toBeNull();
  });
});

describe('removing a member', () => {
  it('makes their API key and access token fail at a requireOrgToken route within seconds, not at the end of its 10-minute cache', async () => {
    const { db } = server.stores;
    const acme = await orgWithRoles(db, server.url, 'Leaving Co');
    const leaver = await createUser(db);
    await addMemberAs(db, acme.org._id, leaver._id, 'member');
    const key = await createApiKey(db, { orgId: acme.org._id, userId: leaver._id }, { name: 'cli' });
    const introspector = await createClient(server.stores, server.config, {
      orgId: acme.org._id,
      name: 'Things API',
      grantTypes: ['client_credentials'],
    });
    const feed = revocationFeed({
      redisUrl: server.config.redisUrl,
      keyPrefix: server.config.redisKeyPrefix,
      logger: { warn: () => {} },
    });
    await feed.ready();
    const things = await startResourceApp({
      issuer: server.issuer,
      audience: THINGS,
      revocation: feed,
      introspection: {
        clientId: introspector.client_id,
        clientSecret: introspector.client_secret ?? '',
        maxCacheSeconds: 600,
      },
    });
    try {
      const token = await tokenFor(leaver.email, 'Leaving Co', THINGS, 'things:read');
      const byKey = () => things.call(acme.org._id, `Bearer ${key.key}`);
      const byToken = () => things.call(acme.org._id, `Bearer ${token}`);
      const keyAnswer = await byKey();
      expect(keyAnswer.status).toBe(200);
      expect(await keyAnswer.json()).toMatchObject({
        auth: { kind: 'api_key', keyId: key.id, sub: leaver._id, orgId: acme.org._id },
      });
      expect((await byToken()).status).toBe(200);

      const started = performance.now();
      expect((await acme.as.admin('DELETE', `/orgs/${acme.org._id}/members/${leaver._id}`)).status).toBe(204);
      await eventually(
        async () => {
          expect((await byKey()).status).toBe(401);
          expect((await byToken()).status).toBe(401);
        },
        { timeoutMs: SOON_MS, intervalMs: 20 },
      );
      const elapsed = Math.round(performance.now() - started);
      process.stdout.write(`member removal through the API → key and token refused in ${elapsed} ms\n`);
      const audit = await acme.as.admin<{ items: { action: string; actor: { type: string } }[] }>(
        'GET',
        `/orgs/${acme.org._id}/audit`,
      );
      expect(audit.body.items[0]).toMatchObject({ action: 'member.removed', actor: { type: 'api_key' } });
    } finally {
      await things.close();
      await feed.close();
    }
  });
});

describe('access tokens for the admin API', () => {
  it('authenticate like API keys, and only in their own organization', async () => {
    const { db } = server.stores;
    const acme = await orgWithRoles(db, server.url, 'Token Co');
    const token = await tokenFor(acme.admin.email, 'Token Co', `${server.issuer}/api`, 'orgauth:api');
    const asAdmin = apiClient(server.url, token);
    const members = await asAdmin('GET', `/orgs/${acme.org._id}/members`);
    expect(members.status).toBe(200);
    const team = await asAdmin<{ id: string }>('POST', `/orgs/${acme.org._id}/teams`, { name: 'Platform team' });
    expect(team.status).toBe(201);
    const audit = await asAdmin<{ items: { action: string; actor: { type: string; id: string } }[] }>(
      'GET',
      `/orgs/${acme.org._id}/audit`,
    );
    expect(audit.body.items[0]).toMatchObject({ action: 'team.created', actor: { type: 'user', id: acme.admin._id } });
    const elsewhere = await asAdmin('GET', `/orgs/${acme.admin.personalOrgId}/members`);
    expect(elsewhere.status).toBe(403);
    expect(elsewhere.headers.get('www-authenticate')).toContain('insufficient_scope');
  });
});
