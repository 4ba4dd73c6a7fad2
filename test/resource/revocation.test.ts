import * as client from 'openid-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiKey, revokeApiKey } from '../../src/apikeys/service.js';
import { revocationFeed } from '../../src/resource/index.js';
import { createResourceServer } from '../../src/resources/service.js';
import { deleteOrgClient, removeMember } from '../../src/revocation/service.js';
import { launchBrowser } from '../support/browser.js';
import { addMemberAs, createOrg, createUser, TEST_PASSWORD } from '../support/factories.js';
import { eventually, SOON_MS } from '../support/harness.js';
import {
  authorizeInBrowser,
  createClient,
  relyingParty,
  startAuthorization,
  startOidcServer,
} from '../support/oauth.js';
import { startResourceApp } from '../support/resource-app.js';

const API = 'https://revocable.orgauth.test/';
const OPAQUE = 'https://revocable-opaque.orgauth.test/';
const REDIRECT = 'http://127.0.0.1:5995/cb';

let orgauth: Awaited<ReturnType<typeof startOidcServer>>;
let feed: ReturnType<typeof revocationFeed>;
let jwtResource: Awaited<ReturnType<typeof startResourceApp>>;
let opaqueResource: Awaited<ReturnType<typeof startResourceApp>>;
let browser: Awaited<ReturnType<typeof launchBrowser>>;
let orgId: string;
let owner: Awaited<ReturnType<typeof createUser>>;
let userRp: client.Configuration;
const measured: Record<string, number> = {};

async function userTokens(email: string) {
  const page = await (await browser.newContext()).newPage();
  const { url, checks } = await startAuthorization(userRp, {
    redirectUri: REDIRECT,
    scope: 'openid things:read',
    resource: API,
  });
  const callback = await authorizeInBrowser(page, url, REDIRECT, {
    email,
    password: TEST_PASSWORD,
    organizationName: 'Revocable Co',
  });
  return client.authorizationCodeGrant(userRp, callback, checks, { resource: API });
}

/** Acts, then polls the resource until it refuses the token; returns how long that took. */
async function timeToRejection(name: string, call: () => Promise<Response>, act: () => Promise<unknown>) {
  expect((await call()).status).toBe(200);
  const started = performance.now();
  await act();
  await eventually(async () => expect((await call()).status).toBe(401), { timeoutMs: SOON_MS, intervalMs: 20 });
  measured[name] = Math.round(performance.now() - started);
}

beforeAll(async () => {
  orgauth = await startOidcServer();
  const { db } = orgauth.stores;
  owner = await createUser(db);
  orgId = (await createOrg(db, owner._id, 'Revocable Co'))._id;
  await createResourceServer(db, { uri: API, scopes: ['things:read'], format: 'jwt' });
  await createResourceServer(db, { uri: OPAQUE, scopes: ['things:read'], format: 'opaque' });
  const registered = await createClient(orgauth.stores, orgauth.config, { name: 'Tool', redirectUris: [REDIRECT] });
  userRp = await relyingParty(orgauth.issuer, registered.client_id, registered.client_secret);
  const introspector = await createClient(orgauth.stores, orgauth.config, {
    orgId,
    name: 'API',
    grantTypes: ['client_credentials'],
  });
  feed = revocationFeed({
    redisUrl: orgauth.config.redisUrl,
    keyPrefix: orgauth.config.redisKeyPrefix,
    logger: { warn: () => {} },
  });
  await feed.ready();
  jwtResource = await startResourceApp({ issuer: orgauth.issuer, audience: API, revocation: feed });
  opaqueResource = await startResourceApp({
    issuer: orgauth.issuer,
    audience: OPAQUE,
    revocation: feed,
    introspection: {
      clientId: introspector.client_id,
      clientSecret: introspector.client_secret ?? '',
      maxCacheSeconds: 300,
    },
  });
  browser = await launchBrowser();
});

afterAll(async () => {
  console.info(`time from revocation to rejection (ms): ${JSON.stringify(measured)}`);
  await browser?.cleanup();
  await jwtResource?.close();
  await opaqueResource?.close();
  await feed?.close();
  await orgauth?.close();
});

describe('revocation reaches resource middlewares within seconds', () => {
  it('when a grant is revoked (its unexpired JWTs are refused)', async () => {
    const tokens = await userTokens(owner.email);
    await timeToRejection(
      'grant',
      () => jwtResource.call(orgId, `Bearer ${tokens.access_token}`),
      () => client.tokenRevocation(userRp, tokens.refresh_token ?? ''),
    );
  });

  it('when a person is removed from the organization', async () => {
    const member = await createUser(orgauth.stores.db);
    await addMemberAs(orgauth.stores.db, orgId, member._id, 'member');
    const tokens = await userTokens(member.email);
    await timeToRejection(
      'member',
      () => jwtResource.call(orgId, `Bearer ${tokens.access_token}`),
      () => removeMember(orgauth.oidc.provider, orgauth.stores.db, orgauth.oidc.publisher, orgId, member._id),
    );
  });

  it('when a client is deleted', async () => {
    const worker = await createClient(orgauth.stores, orgauth.config, {
      orgId,
      name: 'Job',
      grantTypes: ['client_credentials'],
    });
    const rp = await relyingParty(orgauth.issuer, worker.client_id, worker.client_secret);
    const { access_token } = await client.clientCredentialsGrant(rp, { resource: API, scope: 'things:read' });
    await timeToRejection(
      'client',
      () => jwtResource.call(orgId, `Bearer ${access_token}`),
      () => deleteOrgClient(orgauth.oidc.provider, orgauth.stores.db, orgauth.oidc.publisher, orgId, worker.client_id),
    );
  });

  it('when one opaque token is revoked, even while its introspection answer is cached', async () => {
    const worker = await createClient(orgauth.stores, orgauth.config, {
      orgId,
      name: 'Batch',
      grantTypes: ['client_credentials'],
    });
    const rp = await relyingParty(orgauth.issuer, worker.client_id, worker.client_secret);
    const { access_token } = await client.clientCredentialsGrant(rp, { resource: OPAQUE, scope: 'things:read' });
    await timeToRejection(
      'token',
      () => opaqueResource.call(orgId, `Bearer ${access_token}`),
      () => client.tokenRevocation(rp, access_token),
    );
  });
});

describe('org API keys at an introspecting middleware', () => {
  it('are reused from the cache, and refused within seconds once revoked', async () => {
    const { key, id } = await createApiKey(orgauth.stores.db, { orgId, userId: owner._id }, { name: 'cached' });
    expect((await opaqueResource.call(orgId, `Bearer ${key}`)).status).toBe(200);
    await timeToRejection(
      'api key',
      () => opaqueResource.call(orgId, `Bearer ${key}`),
      () => revokeApiKey(orgauth.stores.db, orgauth.oidc.publisher, orgId, id),
    );
  });
});

describe('without Redis', () => {
  it('still verifies JWTs and says revocation notices are not arriving', async () => {
    const warnings: string[] = [];
    const offline = revocationFeed({ redisUrl: 'redis://127.0.0.1:1', logger: { warn: (m) => warnings.push(m) } });
    await offline.ready();
    const app = await startResourceApp({ issuer: orgauth.issuer, audience: API, revocation: offline });
    const worker = await createClient(orgauth.stores, orgauth.config, {
      orgId,
      name: 'Offline',
      grantTypes: ['client_credentials'],
    });
    const rp = await relyingParty(orgauth.issuer, worker.client_id, worker.client_secret);
    const { access_token } = await client.clientCredentialsGrant(rp, { resource: API, scope: 'things:read' });
    expect((await app.call(orgId, `Bearer ${access_token}`)).status).toBe(200);
    expect(warnings.join('\n')).toContain('revocation notices are not arriving');
    await app.close();
    await offline.close();
  });
});
