import * as client from 'openid-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addCredits } from '../../src/credits/service.js';
import { createResourceServer } from '../../src/resources/service.js';
import { type ApiCall, apiClient, orgWithRoles } from '../support/api.js';
import { launchBrowser } from '../support/browser.js';
import { TEST_PASSWORD } from '../support/factories.js';
import {
  authorizeInBrowser,
  createClient,
  relyingParty,
  startAuthorization,
  startOidcServer,
} from '../support/oauth.js';

const MCP = 'https://mcp.orgauth.test/';
const OPAQUE = 'https://reports.orgauth.test/';
const REDIRECT = 'http://127.0.0.1:5994/cb';

let server: Awaited<ReturnType<typeof startOidcServer>>;
let browser: Awaited<ReturnType<typeof launchBrowser>>;
let acme: Awaited<ReturnType<typeof orgWithRoles>>;
let tool: { client_id: string; client_secret?: string };
let toolRp: client.Configuration;
let resourceServer: ApiCall;
let debitNumber = 0;

beforeAll(async () => {
  server = await startOidcServer();
  browser = await launchBrowser();
  const { db } = server.stores;
  acme = await orgWithRoles(db, server.url, 'Metered Co');
  await addCredits(db, acme.org._id, { amount: 1000, description: 'opening' }, { actor: { type: 'system', id: 't' } });
  await createResourceServer(db, { uri: MCP, scopes: ['tools:call'], format: 'jwt' });
  await createResourceServer(db, { uri: OPAQUE, scopes: ['reports:read'], format: 'opaque' });
  tool = await createClient(server.stores, server.config, { name: 'Claude Code', redirectUris: [REDIRECT] });
  toolRp = await relyingParty(server.issuer, tool.client_id, tool.client_secret);
  // The MCP server's own client in the organization, allowed to call the admin API.
  const meter = await createClient(server.stores, server.config, {
    orgId: acme.org._id,
    name: 'MCP server',
    grantTypes: ['client_credentials'],
  });
  const meterRp = await relyingParty(server.issuer, meter.client_id, meter.client_secret);
  const { access_token } = await client.clientCredentialsGrant(meterRp, {
    resource: `${server.issuer}/api`,
    scope: 'orgauth:api',
  });
  resourceServer = apiClient(server.url, access_token);
});
afterAll(async () => {
  await browser?.cleanup();
  await server?.close();
});

/** The member authorizes Claude Code in the organization for a resource; returns its tokens. */
async function memberTokens(resource: string, scope: string) {
  const page = await (await browser.newContext()).newPage();
  const { url, checks } = await startAuthorization(toolRp, { redirectUri: REDIRECT, scope, resource });
  const callback = await authorizeInBrowser(page, url, REDIRECT, {
    email: acme.member.email,
    password: TEST_PASSWORD,
    organizationName: 'Metered Co',
  });
  return client.authorizationCodeGrant(toolRp, callback, checks, { resource });
}

const charge = (call: ApiCall, subjectToken: string, amount = 1) =>
  call(
    'POST',
    `/orgs/${acme.org._id}/credits/debits`,
    { amount, description: 'tool call' },
    { 'idempotency-key': `d-${++debitNumber}`, 'orgauth-subject-token': subjectToken },
  );

describe('a resource server charging for what a person did through an app', () => {
  it('names the person, the app, its grant and the resource server, from the token alone', {
    timeout: 60_000,
  }, async () => {
    const jwt = await memberTokens(MCP, 'openid tools:call');
    const opaque = await memberTokens(OPAQUE, 'openid reports:read');
    const byJwt = await charge(resourceServer, jwt.access_token, 3);
    expect(byJwt.status).toBe(201);
    const byOpaque = await charge(resourceServer, opaque.access_token, 4);
    expect(byOpaque.status).toBe(201);

    const log = await acme.as.admin<{ items: { amount: number; attribution: Record<string, unknown> }[] }>(
      'GET',
      `/orgs/${acme.org._id}/credits/transactions?kind=debit`,
    );
    expect(log.body.items.map((e) => ({ amount: e.amount, ...e.attribution }))).toEqual([
      expect.objectContaining({ amount: 4, userId: acme.member._id, clientId: tool.client_id, resource: OPAQUE }),
      expect.objectContaining({ amount: 3, userId: acme.member._id, clientId: tool.client_id, resource: MCP }),
    ]);
    expect(log.body.items.every((e) => typeof e.attribution.grantId === 'string' && !e.attribution.keyId)).toBe(true);
    const usage = await acme.as.admin<{ byMember: { id: string; amount: number }[]; byClient: unknown[] }>(
      'GET',
      `/orgs/${acme.org._id}/credits/usage`,
    );
    expect(usage.body.byMember).toContainEqual({ id: acme.member._id, amount: 7 });
    expect(usage.body.byClient).toContainEqual({ id: tool.client_id, amount: 7 });

    // Once the person revokes the app, its tokens cannot be charged for any more.
    await client.tokenRevocation(toolRp, jwt.refresh_token ?? opaque.refresh_token ?? '');
    await client.tokenRevocation(toolRp, opaque.access_token);
    for (const token of [jwt.access_token, opaque.access_token]) {
      const refused = await charge(resourceServer, token);
      expect(refused.status).toBe(400);
      expect(refused.body).toMatchObject({ errors: { 'orgauth-subject-token': expect.any(String) } });
    }
  });

  it('refuses forged, foreign and misplaced subject tokens, and charges nothing', { timeout: 60_000 }, async () => {
    const before = await acme.as.owner<{ balance: number }>('GET', `/orgs/${acme.org._id}/credits`);
    const other = await orgWithRoles(server.stores.db, server.url, 'Elsewhere');
    const jwt = await memberTokens(MCP, 'openid tools:call');
    const [header, payload] = jwt.access_token.split('.');
    const forged = `${header}.${payload}.${'A'.repeat(86)}`;
    for (const token of ['not-a-token', forged, 'x'.repeat(9000)]) {
      expect((await charge(resourceServer, token)).status).toBe(400);
    }
    // Only an organization's client may present one: a member's key cannot charge someone else.
    expect((await charge(acme.as.member, jwt.access_token)).status).toBe(400);
    // A token of this organization cannot be charged to another one, even by that one's resource server.
    const otherMeter = await createClient(server.stores, server.config, {
      orgId: other.org._id,
      name: 'Other MCP server',
      grantTypes: ['client_credentials'],
    });
    const otherRp = await relyingParty(server.issuer, otherMeter.client_id, otherMeter.client_secret);
    const otherToken = await client.clientCredentialsGrant(otherRp, {
      resource: `${server.issuer}/api`,
      scope: 'orgauth:api',
    });
    const foreign = await apiClient(server.url, otherToken.access_token)(
      'POST',
      `/orgs/${other.org._id}/credits/debits`,
      { amount: 1, description: 'x' },
      { 'idempotency-key': 'foreign-1', 'orgauth-subject-token': jwt.access_token },
    );
    expect(foreign.status).toBe(400);
    expect(foreign.body).toMatchObject({ errors: { 'orgauth-subject-token': 'belongs to another organization' } });
    expect(
      (await apiClient(server.url, otherToken.access_token)('GET', `/orgs/${other.org._id}/credits`)).body,
    ).toMatchObject({ balance: 0 });
    const after = await acme.as.owner<{ balance: number }>('GET', `/orgs/${acme.org._id}/credits`);
    expect(after.body.balance).toBe(before.body.balance);
  });
});
