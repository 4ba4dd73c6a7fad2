import { createRemoteJWKSet, jwtVerify } from 'jose';
import * as client from 'openid-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiKey } from '../../src/apikeys/service.js';
import { loadConfig } from '../../src/config.js';
import { replayKey } from '../../src/oidc/refresh-replay.js';
import { revocationFeed } from '../../src/resource/index.js';
import { createResourceServer } from '../../src/resources/service.js';
import type { Stores } from '../../src/stores/index.js';
import { freePort } from '../../src/stores/local/processes.js';
import { launchBrowser } from '../support/browser.js';
import { addMemberAs, createOrg, createUser, TEST_PASSWORD } from '../support/factories.js';
import { eventually, openTestStores, SOON_MS, testEnv } from '../support/harness.js';
import { type Instance, startBalancer, startInstance, stopInstance } from '../support/instances.js';
import { authorizeInBrowser, createClient, relyingParty, startAuthorization } from '../support/oauth.js';
import { startResourceApp } from '../support/resource-app.js';

// Three server processes share one database and one Redis behind a load balancer whose URL is the issuer.
const API = 'https://shared.orgauth.test/';
const OPAQUE = 'https://shared-opaque.orgauth.test/';
const REDIRECT = 'http://127.0.0.1:5993/cb';

let env: Record<string, string>;
let stores: Stores;
let instances: Instance[];
let balancer: Awaited<ReturnType<typeof startBalancer>>;
let browser: Awaited<ReturnType<typeof launchBrowser>>;
const feeds: Array<ReturnType<typeof revocationFeed>> = [];
/** Two JWT resources and two opaque-token resources, each with its own revocation feed. */
let resources: Array<Awaited<ReturnType<typeof startResourceApp>>>;
let opaqueResources: Array<Awaited<ReturnType<typeof startResourceApp>>>;
let orgId: string;
let ownerKey: string;
let worker: { client_id: string; client_secret?: string };

const byName = (name: string) => instances.find((i) => i.name === name) as Instance;

/** Sends each request whose path starts with a prefix to the named instance; others round-robin. */
function pin(rules: Record<string, string>) {
  balancer.route = (_method, path) => {
    const prefix = Object.keys(rules).find((p) => path.startsWith(p));
    return prefix ? byName(rules[prefix] as string) : undefined;
  };
}

beforeAll(async () => {
  const port = await freePort();
  env = testEnv({ ISSUER: `http://127.0.0.1:${port}`, PORT: String(port) });
  const config = loadConfig(env);
  stores = await openTestStores(config);
  const owner = await createUser(stores.db);
  orgId = (await createOrg(stores.db, owner._id, 'Shared Co'))._id;
  ownerKey = (await createApiKey(stores.db, { orgId, userId: owner._id }, { name: 'ops' })).key;
  await createResourceServer(stores.db, { uri: API, scopes: ['things:read'], format: 'jwt' });
  await createResourceServer(stores.db, { uri: OPAQUE, scopes: ['things:read'], format: 'opaque', orgId });
  worker = await createClient(stores, config, { orgId, name: 'Worker', grantTypes: ['client_credentials'] });
  const introspector = await createClient(stores, config, { orgId, name: 'API', grantTypes: ['client_credentials'] });

  // The first start creates the signing and cookie keys; starting all three at once proves that is race-safe.
  instances = await Promise.all(['a', 'b', 'c'].map((name) => startInstance(name, env)));
  balancer = await startBalancer(instances, port);
  for (let i = 0; i < 4; i++) {
    const feed = revocationFeed({
      redisUrl: config.redisUrl,
      keyPrefix: config.redisKeyPrefix,
      logger: { warn: () => {} },
    });
    await feed.ready();
    feeds.push(feed);
  }
  resources = await Promise.all(
    feeds.slice(0, 2).map((feed) => startResourceApp({ issuer: balancer.url, audience: API, revocation: feed })),
  );
  opaqueResources = await Promise.all(
    feeds.slice(2).map((feed) =>
      startResourceApp({
        issuer: balancer.url,
        audience: OPAQUE,
        revocation: feed,
        introspection: {
          clientId: introspector.client_id,
          clientSecret: introspector.client_secret ?? '',
          maxCacheSeconds: 300,
        },
      }),
    ),
  );
  browser = await launchBrowser();
}, 120_000);

afterAll(async () => {
  await browser?.cleanup();
  await Promise.all([...(resources ?? []), ...(opaqueResources ?? [])].map((r) => r.close()));
  await Promise.all(feeds.map((f) => f.close()));
  await balancer?.close();
  await Promise.all((instances ?? []).map(stopInstance));
  await stores?.close();
});

describe('several instances sharing one database and one Redis', () => {
  it('publish the same keys, so a token signed by one verifies with the JWKS of any other', async () => {
    const jwks = await Promise.all(instances.map(async (i) => (await fetch(`${i.url}/jwks`)).json()));
    expect(jwks[1]).toEqual(jwks[0]);
    expect(jwks[2]).toEqual(jwks[0]);
  });

  it('complete a browser sign-in started on one instance on the others', { timeout: 60_000 }, async () => {
    const person = await createUser(stores.db);
    await addMemberAs(stores.db, orgId, person._id, 'member');
    const tool = await createClient(stores, loadConfig(env), { name: 'Tool', redirectUris: [REDIRECT] });
    const rp = await relyingParty(balancer.url, tool.client_id, tool.client_secret);
    pin({ '/auth': 'a', '/interaction': 'b', '/token': 'c' });
    const { url, checks } = await startAuthorization(rp, {
      redirectUri: REDIRECT,
      scope: 'openid offline_access things:read',
      resource: API,
    });
    const page = await browser.newPage();
    const callback = await authorizeInBrowser(page, url, REDIRECT, {
      email: person.email,
      password: TEST_PASSWORD,
      organizationName: 'Shared Co',
    });
    const tokens = await client.authorizationCodeGrant(rp, callback, checks, { resource: API });
    const servedBy = (prefix: string) =>
      new Set(balancer.served.filter((s) => s.path.startsWith(prefix)).map((s) => s.instance));
    expect(servedBy('/auth')).toEqual(new Set(['a']));
    expect(servedBy('/interaction')).toEqual(new Set(['b']));
    expect(servedBy('/token')).toEqual(new Set(['c']));

    const { payload } = await jwtVerify(tokens.access_token, createRemoteJWKSet(new URL(`${byName('a').url}/jwks`)), {
      issuer: balancer.url,
      audience: API,
    });
    expect(payload).toMatchObject({ org_id: orgId, sub: person._id });

    // The refresh token rotates on another instance; presented again there within seconds it gets the
    // same answer, after that window reusing it revokes the grant everywhere.
    pin({ '/token': 'a' });
    const refreshed = await client.refreshTokenGrant(rp, tokens.refresh_token ?? '');
    expect(refreshed.refresh_token).not.toBe(tokens.refresh_token);
    pin({ '/token': 'b' });
    expect((await client.refreshTokenGrant(rp, tokens.refresh_token ?? '')).refresh_token).toBe(
      refreshed.refresh_token,
    );
    await stores.redis.del(replayKey(tokens.refresh_token ?? ''));
    await expect(client.refreshTokenGrant(rp, tokens.refresh_token ?? '')).rejects.toMatchObject({
      error: 'invalid_grant',
    });
    pin({ '/token': 'c' });
    await expect(client.refreshTokenGrant(rp, refreshed.refresh_token ?? '')).rejects.toMatchObject({
      error: 'invalid_grant',
    });
    balancer.route = undefined;
  });

  it('verify, introspect and revoke through one instance a token issued by another', async () => {
    const rp = await relyingParty(balancer.url, worker.client_id, worker.client_secret);
    pin({ '/token': 'a' });
    const jwt = await client.clientCredentialsGrant(rp, { resource: API, scope: 'things:read' });
    const { payload } = await jwtVerify(jwt.access_token, createRemoteJWKSet(new URL(`${byName('c').url}/jwks`)), {
      issuer: balancer.url,
      audience: API,
    });
    expect(payload).toMatchObject({ org_id: orgId, client_id: worker.client_id });

    const { access_token } = await client.clientCredentialsGrant(rp, { resource: OPAQUE, scope: 'things:read' });
    pin({ '/token/introspection': 'b' });
    expect(await client.tokenIntrospection(rp, access_token)).toMatchObject({ active: true, org_id: orgId });
    pin({ '/token/revocation': 'c' });
    await client.tokenRevocation(rp, access_token);
    pin({ '/token/introspection': 'a' });
    expect(await client.tokenIntrospection(rp, access_token)).toMatchObject({ active: false });
    balancer.route = undefined;
  });

  it('send revocations made through any instance to middlewares attached to any of them', {
    timeout: 60_000,
  }, async () => {
    const rp = await relyingParty(balancer.url, worker.client_id, worker.client_secret);
    for (const revoker of ['a', 'b', 'c']) {
      pin({ '/token/revocation': revoker, '/token': revoker === 'a' ? 'b' : 'a' });
      const { access_token } = await client.clientCredentialsGrant(rp, { resource: OPAQUE, scope: 'things:read' });
      // Each middleware has introspected the token and caches the answer for minutes.
      for (const resource of opaqueResources) {
        expect((await resource.call(orgId, `Bearer ${access_token}`)).status).toBe(200);
      }
      await client.tokenRevocation(rp, access_token);
      for (const resource of opaqueResources) {
        await eventually(async () => expect((await resource.call(orgId, `Bearer ${access_token}`)).status).toBe(401), {
          timeoutMs: SOON_MS,
          intervalMs: 20,
        });
      }
    }

    // Removing a member through the admin API on one instance: that person's JWTs are refused everywhere.
    const person = await createUser(stores.db);
    await addMemberAs(stores.db, orgId, person._id, 'member');
    const tool = await createClient(stores, loadConfig(env), { name: 'Tool 2', redirectUris: [REDIRECT] });
    const userRp = await relyingParty(balancer.url, tool.client_id, tool.client_secret);
    balancer.route = undefined;
    const { url, checks } = await startAuthorization(userRp, {
      redirectUri: REDIRECT,
      scope: 'openid things:read',
      resource: API,
    });
    const page = await (await browser.newContext()).newPage();
    const callback = await authorizeInBrowser(page, url, REDIRECT, {
      email: person.email,
      password: TEST_PASSWORD,
      organizationName: 'Shared Co',
    });
    const tokens = await client.authorizationCodeGrant(userRp, callback, checks, { resource: API });
    for (const resource of resources)
      expect((await resource.call(orgId, `Bearer ${tokens.access_token}`)).status).toBe(200);
    pin({ '/api/': 'c' });
    const removed = await fetch(`${balancer.url}/api/v1/orgs/${orgId}/members/${person._id}`, {
      method: 'DELETE',
      headers: { authorization: `Bearer ${ownerKey}` },
    });
    expect(removed.status).toBe(204);
    for (const resource of resources) {
      await eventually(
        async () => expect((await resource.call(orgId, `Bearer ${tokens.access_token}`)).status).toBe(401),
        { timeoutMs: SOON_MS, intervalMs: 20 },
      );
    }
    balancer.route = undefined;
  });

  it('keep serving through the others when one instance stops', async () => {
    const c = byName('c');
    await stopInstance(c);
    const rest = instances.filter((i) => i !== c);
    balancer.route = (() => {
      let n = 0;
      return () => rest[n++ % rest.length];
    })();
    const rp = await relyingParty(balancer.url, worker.client_id, worker.client_secret);
    for (let i = 0; i < 4; i++) {
      const { access_token } = await client.clientCredentialsGrant(rp, { resource: OPAQUE, scope: 'things:read' });
      expect(await client.tokenIntrospection(rp, access_token)).toMatchObject({ active: true });
    }
    balancer.route = undefined;
  });
});
