import { importJWK, type JWK, SignJWT } from 'jose';
import * as client from 'openid-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiKey } from '../../src/apikeys/service.js';
import { loadSigningKeys } from '../../src/oidc/keys.js';
import { revocationFeed } from '../../src/resource/index.js';
import { createResourceServer } from '../../src/resources/service.js';
import { deleteOrgClient } from '../../src/revocation/service.js';
import { createOrg, createUser } from '../support/factories.js';
import { eventually } from '../support/harness.js';
import { createClient, relyingParty, startOidcServer } from '../support/oauth.js';
import { type AdapterOptions, adapters, type RunningAdapter } from '../support/resource-adapters.js';

// One contract, four ways in: the core, the Koa middleware, the Express middleware and the MCP SDK's
// requireBearerAuth with orgauth/mcp's verifier accept and refuse exactly the same credentials.
const API = 'https://contract.orgauth.test/';
const OPAQUE = 'https://contract-opaque.orgauth.test/';

let orgauth: Awaited<ReturnType<typeof startOidcServer>>;
let feed: ReturnType<typeof revocationFeed>;
let options: AdapterOptions;
let orgId: string;
let otherOrgId: string;
let ownerId: string;
let rp: client.Configuration;
let signingKey: JWK;

/** A JWT signed with Orgauth's own key, for claims no real grant would produce (expired, other scopes). */
async function signed(overrides: { scope?: string; exp?: number }) {
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({ client_id: 'cli_contract', scope: overrides.scope ?? 'things:read', org_id: orgId })
    .setProtectedHeader({ alg: 'RS256', typ: 'at+jwt', kid: signingKey.kid as string })
    .setIssuer(orgauth.issuer)
    .setAudience(API)
    .setSubject('usr_contract')
    .setIssuedAt(now - 120)
    .setExpirationTime(overrides.exp ?? now + 300)
    .sign(await importJWK(signingKey, 'RS256'));
}

async function machineToken(resource: string, name = 'Contract worker') {
  const worker = await createClient(orgauth.stores, orgauth.config, {
    orgId,
    name,
    grantTypes: ['client_credentials'],
  });
  const workerRp = await relyingParty(orgauth.issuer, worker.client_id, worker.client_secret);
  const { access_token } = await client.clientCredentialsGrant(workerRp, { resource, scope: 'things:read' });
  return { token: access_token, clientId: worker.client_id };
}

async function expectRefused(response: Response, status: number, error?: string) {
  expect(response.status).toBe(status);
  const challenge = response.headers.get('www-authenticate') ?? '';
  expect(challenge).toMatch(/^Bearer /);
  expect(challenge).toContain('resource_metadata="http://127.0.0.1:');
  if (error) expect(challenge).toContain(`error="${error}"`);
  expect(await response.json()).toMatchObject(error ? { error } : {});
}

beforeAll(async () => {
  orgauth = await startOidcServer();
  const { db } = orgauth.stores;
  const owner = await createUser(db);
  ownerId = owner._id;
  orgId = (await createOrg(db, owner._id, 'Contract Co'))._id;
  otherOrgId = (await createOrg(db, owner._id, 'Elsewhere Co'))._id;
  await createResourceServer(db, { uri: API, scopes: ['things:read', 'things:write'], format: 'jwt' });
  await createResourceServer(db, { uri: OPAQUE, scopes: ['things:read'], format: 'opaque' });
  const worker = await createClient(orgauth.stores, orgauth.config, {
    orgId,
    name: 'Worker',
    grantTypes: ['client_credentials'],
  });
  rp = await relyingParty(orgauth.issuer, worker.client_id, worker.client_secret);
  const introspector = await createClient(orgauth.stores, orgauth.config, {
    orgId,
    name: 'Things API',
    grantTypes: ['client_credentials'],
  });
  [signingKey] = (await loadSigningKeys(db, orgauth.config.secretKey)).keys as [JWK];
  feed = revocationFeed({
    redisUrl: orgauth.config.redisUrl,
    keyPrefix: orgauth.config.redisKeyPrefix,
    logger: { warn: () => {} },
  });
  await feed.ready();
  options = {
    issuer: orgauth.issuer,
    audience: [API, OPAQUE],
    scopes: ['things:read'],
    revocation: feed,
    introspection: { clientId: introspector.client_id, clientSecret: introspector.client_secret ?? '' },
  };
});
afterAll(async () => {
  await feed?.close();
  await orgauth?.close();
});

describe.each(Object.entries(adapters))('%s', (_name, start) => {
  let resource: RunningAdapter;
  beforeAll(async () => {
    resource = await start(options);
  });
  afterAll(async () => {
    await resource?.close();
  });

  it('accepts a JWT of the request’s organization and tells who calls', async () => {
    const { access_token } = await client.clientCredentialsGrant(rp, { resource: API, scope: 'things:read' });
    const response = await resource.call(orgId, `Bearer ${access_token}`);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({
      auth: {
        sub: rp.clientMetadata().client_id,
        orgId,
        clientId: rp.clientMetadata().client_id,
        scopes: ['things:read'],
        kind: 'jwt',
      },
    });
  });

  it('refuses a token of another organization with 401 invalid_token', async () => {
    const { access_token } = await client.clientCredentialsGrant(rp, { resource: API, scope: 'things:read' });
    await expectRefused(await resource.call(otherOrgId, `Bearer ${access_token}`), 401, 'invalid_token');
  });

  it('refuses an expired token', async () => {
    const expired = await signed({ exp: Math.floor(Date.now() / 1000) - 60 });
    await expectRefused(await resource.call(orgId, `Bearer ${expired}`), 401, 'invalid_token');
  });

  // The promise of docs/org-binding.md; the revocation feed delivers in milliseconds (bench/results/data-layer.md).
  it('refuses a revoked token within 5 s, long before it expires', async () => {
    const { token, clientId } = await machineToken(API, 'Short-lived worker');
    expect((await resource.call(orgId, `Bearer ${token}`)).status).toBe(200);
    await deleteOrgClient(orgauth.oidc.provider, orgauth.stores.db, orgauth.oidc.publisher, orgId, clientId);
    await eventually(async () => expect((await resource.call(orgId, `Bearer ${token}`)).status).toBe(401), {
      timeoutMs: 5_000,
      intervalMs: 20,
    });
  });

  it('refuses a token without the required scope with 403 insufficient_scope', async () => {
    const token = await signed({ scope: 'things:write' });
    await expectRefused(await resource.call(orgId, `Bearer ${token}`), 403, 'insufficient_scope');
  });

  it('refuses a missing or malformed Authorization header with 401', async () => {
    await expectRefused(await resource.call(orgId), 401);
    for (const header of ['Bearer !!!', 'Basic dXNlcjpwYXNz', 'Bearer a b', `Bearer ${'x'.repeat(10_240)}`]) {
      await expectRefused(await resource.call(orgId, header), 401, 'invalid_token');
    }
  });

  it('accepts an org API key of the organization, as its member', async () => {
    const { key, id } = await createApiKey(
      orgauth.stores.db,
      { orgId, userId: ownerId },
      { name: 'contract', scopes: ['things:read'] },
    );
    const response = await resource.call(orgId, `Bearer ${key}`);
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ auth: { orgId, sub: ownerId, kind: 'api_key', keyId: id } });
    await expectRefused(await resource.call(otherOrgId, `Bearer ${key}`), 401, 'invalid_token');
  });

  it('accepts an opaque token through introspection', async () => {
    const { access_token } = await client.clientCredentialsGrant(rp, { resource: OPAQUE, scope: 'things:read' });
    const response = await resource.call(orgId, `Bearer ${access_token}`);
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ auth: { orgId, kind: 'opaque', scopes: ['things:read'] } });
  });
});
