import * as client from 'openid-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiKey } from '../../src/apikeys/service.js';
import { createResourceServer } from '../../src/resources/service.js';
import { flushWritesBehind } from '../../src/stores/write-behind.js';
import { apiClient, orgWithRoles, platformClient } from '../support/api.js';
import { launchBrowser } from '../support/browser.js';
import { TEST_PASSWORD } from '../support/factories.js';
import {
  authorizeInBrowser,
  createClient,
  relyingParty,
  startAuthorization,
  startOidcServer,
} from '../support/oauth.js';

const THINGS = 'https://lifecycle-things.orgauth.test/';
const REDIRECT = 'http://127.0.0.1:5993/cb';

let server: Awaited<ReturnType<typeof startOidcServer>>;
let browser: Awaited<ReturnType<typeof launchBrowser>>;
let rp: client.Configuration;
let toolId: string;

beforeAll(async () => {
  server = await startOidcServer();
  browser = await launchBrowser();
  await createResourceServer(server.stores.db, { uri: THINGS, scopes: ['things:read'], format: 'jwt' });
  const tool = await createClient(server.stores, server.config, { name: 'Lifecycle Tool', redirectUris: [REDIRECT] });
  toolId = tool.client_id;
  rp = await relyingParty(server.issuer, tool.client_id, tool.client_secret);
});
afterAll(async () => {
  await browser?.cleanup();
  await server?.close();
});

async function connect(email: string, orgName: string) {
  const page = await (await browser.newContext()).newPage();
  const { url, checks } = await startAuthorization(rp, {
    redirectUri: REDIRECT,
    scope: 'openid things:read',
    resource: THINGS,
  });
  const callback = await authorizeInBrowser(page, url, REDIRECT, {
    email,
    password: TEST_PASSWORD,
    organizationName: orgName,
  });
  return client.authorizationCodeGrant(rp, callback, checks, { resource: THINGS });
}

describe('connected apps', () => {
  it('shows each grant with who, which client, scopes and last use; members revoke their own, admins any', async () => {
    const acme = await orgWithRoles(server.stores.db, server.url, 'Connected Co');
    const memberTokens = await connect(acme.member.email, 'Connected Co');
    await connect(acme.admin.email, 'Connected Co');
    type Apps = {
      items: {
        grantId: string;
        userId: string;
        clientId: string;
        clientName: string;
        resources: Record<string, string[]>;
        scopes: string[];
        lastUsedAt: string | null;
      }[];
    };
    const own = await acme.as.member<Apps>('GET', `/orgs/${acme.org._id}/connected-apps`);
    expect(own.body.items).toHaveLength(1);
    expect(own.body.items[0]).toMatchObject({
      userId: acme.member._id,
      clientId: toolId,
      clientName: 'Lifecycle Tool',
      scopes: expect.arrayContaining(['openid']),
      resources: { [THINGS]: ['things:read'] },
      lastUsedAt: expect.any(String),
    });
    const all = await acme.as.admin<Apps>('GET', `/orgs/${acme.org._id}/connected-apps`);
    expect(all.body.items.map((a) => a.userId).sort()).toEqual([acme.admin._id, acme.member._id].sort());
    const adminGrant = all.body.items.find((a) => a.userId === acme.admin._id)?.grantId;
    expect((await acme.as.member('DELETE', `/orgs/${acme.org._id}/connected-apps/${adminGrant}`)).status).toBe(403);

    expect(
      (await acme.as.member('DELETE', `/orgs/${acme.org._id}/connected-apps/${own.body.items[0]?.grantId}`)).status,
    ).toBe(204);
    await expect(client.refreshTokenGrant(rp, memberTokens.refresh_token ?? '')).rejects.toMatchObject({
      error: 'invalid_grant',
    });
    expect((await acme.as.admin('DELETE', `/orgs/${acme.org._id}/connected-apps/${adminGrant}`)).status).toBe(204);
    expect((await acme.as.admin<Apps>('GET', `/orgs/${acme.org._id}/connected-apps`)).body.items).toEqual([]);

    const audit = await acme.as.admin<{ items: { action: string }[] }>(
      'GET',
      `/orgs/${acme.org._id}/audit?action=grant.revoked`,
    );
    expect(audit.body.items).toHaveLength(2);
    // Issuance counters are written behind, at most a second later.
    await flushWritesBehind(server.stores.db);
    const issued = await acme.as.admin<{ items: { clientId: string; count: number }[] }>(
      'GET',
      `/orgs/${acme.org._id}/audit/token-issuance`,
    );
    expect(issued.body.items.find((r) => r.clientId === toolId)?.count).toBeGreaterThanOrEqual(2);
  });
});

describe('deleting an organization', () => {
  it('keeps its teams, ends memberships, keys, clients and grants, and leaves an audit entry', async () => {
    const { db } = server.stores;
    const acme = await orgWithRoles(db, server.url, 'Doomed Co');
    const orgPath = `/orgs/${acme.org._id}`;
    const team = await acme.as.admin<{ id: string }>('POST', `${orgPath}/teams`, { name: 'Survivors' });
    const orgClient = await acme.as.admin<{ clientId: string }>('POST', `${orgPath}/clients`, {
      name: 'Doomed app',
      redirectUris: ['https://doomed.example.test/cb'],
    });
    const tokens = await connect(acme.member.email, 'Doomed Co');

    expect((await acme.as.admin('DELETE', orgPath)).status).toBe(403);
    expect((await acme.as.member('DELETE', orgPath)).status).toBe(403);
    const personalKey = await createApiKey(
      db,
      { orgId: acme.owner.personalOrgId, userId: acme.owner._id },
      { name: 'k' },
    );
    expect((await apiClient(server.url, personalKey.key)('DELETE', `/orgs/${acme.owner.personalOrgId}`)).status).toBe(
      400,
    );

    expect((await acme.as.owner('DELETE', orgPath)).status).toBe(204);

    const platform = await platformClient(db, server.url);
    expect((await platform('GET', orgPath)).status).toBe(404);
    const detached = await platform<{ items: { id: string; orgId: string | null; name: string }[] }>(
      'GET',
      '/teams?unassigned=true&limit=100',
    );
    expect(detached.body.items.find((t) => t.id === team.body.id)).toMatchObject({ name: 'Survivors', orgId: null });
    expect(await db.memberships.countDocuments({ orgId: acme.org._id })).toBe(0);
    expect(await db.apiKeys.countDocuments({ orgId: acme.org._id })).toBe(0);
    expect((await acme.as.owner('GET', orgPath)).status).toBe(401);
    expect(
      await db.connection.collection('oidc_Client').countDocuments({ _id: orgClient.body.clientId as never }),
    ).toBe(0);
    expect(await db.connection.collection('grant_orgs').countDocuments({ orgId: acme.org._id })).toBe(0);
    await expect(client.refreshTokenGrant(rp, tokens.refresh_token ?? '')).rejects.toMatchObject({
      error: 'invalid_grant',
    });
    const listed = await platform<{ items: { id: string }[] }>('GET', '/orgs?limit=100');
    expect(listed.body.items.map((o) => o.id)).not.toContain(acme.org._id);
    const entry = await db.auditEvents.findOne({ orgId: acme.org._id, action: 'org.deleted' }).lean();
    expect(entry).toMatchObject({ actorType: 'api_key', targetId: acme.org._id });
  });
});
