import { decodeJwt } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiKey } from '../../src/apikeys/service.js';
import { loadConfig } from '../../src/config.js';
import { createResourceServer } from '../../src/resources/service.js';
import type { Stores } from '../../src/stores/index.js';
import { addMemberAs, createOrg, createUser } from '../support/factories.js';
import { eventually, openTestStores, SOON_MS, testEnv } from '../support/harness.js';
import { type Instance, startInstance, stopInstance } from '../support/instances.js';
import { createClient } from '../support/oauth.js';

/**
 * Instances keep clients, resource servers, grant links, memberships, API keys and organizations in
 * per-process read caches. Instances `a` and `b` keep a cached read for an hour unless told: a change
 * made through `a` (or by this test process, which publishes like the CLI does) must still be honoured
 * by `b`, through the Redis notices alone. `short` keeps a cached read one second: it catches up
 * with a change nobody announced (a lost notice) by the TTL.
 */
const RESOURCE = 'https://cached.orgauth.test/';
const OPAQUE = 'https://cached-opaque.orgauth.test/';
/** Far below the one-hour TTL of `a` and `b`: only a notice explains a change seen this soon. */
const NOTICE_DEADLINE = { timeoutMs: SOON_MS, intervalMs: 50 };

let stores: Stores;
let a: Instance;
let b: Instance;
let short: Instance;
let orgId: string;
let ownerKey: string;
let issuer: string;

const api = (instance: Instance, key: string, path: string, init: RequestInit = {}) =>
  fetch(`${instance.url}/api/v1${path}`, {
    ...init,
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json', ...init.headers },
  });

type Credentials = { client_id: string; client_secret?: string };

/** A POST of a form to an OAuth endpoint of the instance, as the client. */
async function oauthPost(instance: Instance, path: string, client: Credentials, form: Record<string, string>) {
  const response = await fetch(`${instance.url}${path}`, {
    method: 'POST',
    headers: {
      authorization: `Basic ${Buffer.from(`${client.client_id}:${client.client_secret}`).toString('base64')}`,
      'content-type': 'application/x-www-form-urlencoded',
    },
    body: new URLSearchParams(form),
  });
  const text = await response.text();
  return { status: response.status, body: (text ? JSON.parse(text) : {}) as Record<string, unknown> };
}

const clientCredentials = (instance: Instance, client: Credentials, resource = RESOURCE) =>
  oauthPost(instance, '/token', client, { grant_type: 'client_credentials', resource, scope: 'things:read' });

beforeAll(async () => {
  const env = testEnv({ ISSUER: 'http://127.0.0.1:1' });
  issuer = env.ISSUER as string;
  const config = loadConfig(env);
  stores = await openTestStores(config);
  const owner = await createUser(stores.db);
  orgId = (await createOrg(stores.db, owner._id, 'Cached Co'))._id;
  ownerKey = (await createApiKey(stores.db, { orgId, userId: owner._id }, { name: 'ops' })).key;
  await createResourceServer(stores.db, { uri: OPAQUE, scopes: ['things:read'], format: 'opaque', orgId });
  await createResourceServer(stores.db, {
    uri: RESOURCE,
    scopes: ['things:read', 'things:write'],
    format: 'jwt',
    orgId,
  });
  const started = await Promise.allSettled([
    startInstance('a', { ...env, READ_CACHE_TTL_SECONDS: '3600' }),
    startInstance('b', { ...env, READ_CACHE_TTL_SECONDS: '3600' }),
    startInstance('short', { ...env, READ_CACHE_TTL_SECONDS: '1' }),
  ]);
  const failed = started.find((result) => result.status === 'rejected');
  if (failed) {
    // Stop the ones that did start: a failed start must not leave server processes behind.
    await Promise.all(started.flatMap((result) => (result.status === 'fulfilled' ? [stopInstance(result.value)] : [])));
    throw failed.reason;
  }
  [a, b, short] = started.map((result) => (result as PromiseFulfilledResult<Instance>).value) as [
    Instance,
    Instance,
    Instance,
  ];
}, 120_000);

afterAll(async () => {
  await Promise.all([a, b, short].filter(Boolean).map(stopInstance));
  await stores?.close();
});

describe('read caches across instances', () => {
  it('a changed role is honoured by the other instance', async () => {
    const person = await createUser(stores.db);
    await addMemberAs(stores.db, orgId, person._id, 'admin');
    const key = (await createApiKey(stores.db, { orgId, userId: person._id }, { name: 'mine' })).key;
    const keysSeenOnB = async () =>
      ((await (await api(b, key, `/orgs/${orgId}/api-keys`)).json()) as { items: unknown[] }).items.length;
    // An admin sees every key of the organization (the owner's too); the read is now cached on b.
    expect(await keysSeenOnB()).toBeGreaterThan(1);
    expect(await keysSeenOnB()).toBeGreaterThan(1);
    const changed = await api(a, ownerKey, `/orgs/${orgId}/members/${person._id}`, {
      method: 'PATCH',
      body: JSON.stringify({ role: 'member' }),
    });
    expect(changed.status).toBe(200);
    // A member sees only their own key.
    await eventually(async () => expect(await keysSeenOnB()).toBe(1), NOTICE_DEADLINE);
  });

  it('a removed member and a revoked key are refused by the other instance', async () => {
    const person = await createUser(stores.db);
    await addMemberAs(stores.db, orgId, person._id, 'member');
    const leaving = (await createApiKey(stores.db, { orgId, userId: person._id }, { name: 'leaving' })).key;
    const revoked = await createApiKey(stores.db, { orgId, userId: person._id }, { name: 'revoked' });
    expect((await api(b, leaving, `/orgs/${orgId}`)).status).toBe(200);
    expect((await api(b, revoked.key, `/orgs/${orgId}`)).status).toBe(200);

    expect((await api(a, ownerKey, `/orgs/${orgId}/api-keys/${revoked.id}`, { method: 'DELETE' })).status).toBe(204);
    await eventually(
      async () => expect((await api(b, revoked.key, `/orgs/${orgId}`)).status).toBe(401),
      NOTICE_DEADLINE,
    );

    expect((await api(a, ownerKey, `/orgs/${orgId}/members/${person._id}`, { method: 'DELETE' })).status).toBe(204);
    await eventually(async () => expect((await api(b, leaving, `/orgs/${orgId}`)).status).toBe(401), NOTICE_DEADLINE);
  });

  it('a deleted client and a changed resource server are honoured by the other instance', async () => {
    const worker = await createClient(stores, loadConfig(testEnv({ ISSUER: issuer })), {
      orgId,
      name: 'Worker',
      grantTypes: ['client_credentials'],
    });
    const first = await clientCredentials(b, worker);
    expect(first.status).toBe(200);
    expect(decodeJwt(first.body.access_token as string).scope).toBe('things:read');

    const narrowed = await api(a, ownerKey, `/orgs/${orgId}/resource-servers?uri=${encodeURIComponent(RESOURCE)}`, {
      method: 'PATCH',
      body: JSON.stringify({ scopes: ['things:write'] }),
    });
    expect(narrowed.status).toBe(200);
    await eventually(async () => {
      // The scope the resource no longer offers is left out of the token.
      const answer = await clientCredentials(b, worker);
      expect(answer.status).toBe(200);
      expect(decodeJwt(answer.body.access_token as string).scope ?? '').not.toContain('things:read');
    }, NOTICE_DEADLINE);

    expect((await api(a, ownerKey, `/orgs/${orgId}/clients/${worker.client_id}`, { method: 'DELETE' })).status).toBe(
      204,
    );
    await eventually(async () => expect((await clientCredentials(b, worker)).status).toBe(401), NOTICE_DEADLINE);
  });

  it('an opaque token revoked, or whose client was deleted, is inactive at the other instance', async () => {
    const config = loadConfig(testEnv({ ISSUER: issuer }));
    const grantTypes: ['client_credentials'] = ['client_credentials'];
    const worker = await createClient(stores, config, { orgId, name: 'Opaque worker', grantTypes });
    const introspector = await createClient(stores, config, { orgId, name: 'Introspecting API', grantTypes });
    const issued = async () => (await clientCredentials(a, worker, OPAQUE)).body.access_token as string;
    const activeOnB = async (token: string) =>
      (await oauthPost(b, '/token/introspection', introspector, { token })).body.active;

    const revoked = await issued();
    // Introspected twice on b: the second answer comes from its memory.
    expect(await activeOnB(revoked)).toBe(true);
    expect(await activeOnB(revoked)).toBe(true);
    expect((await oauthPost(a, '/token/revocation', worker, { token: revoked })).status).toBe(200);
    await eventually(async () => expect(await activeOnB(revoked)).toBe(false), NOTICE_DEADLINE);

    const orphaned = await issued();
    expect(await activeOnB(orphaned)).toBe(true);
    expect(await activeOnB(orphaned)).toBe(true);
    const deleted = await api(a, ownerKey, `/orgs/${orgId}/clients/${worker.client_id}`, { method: 'DELETE' });
    expect(deleted.status).toBe(204);
    await eventually(async () => expect(await activeOnB(orphaned)).toBe(false), NOTICE_DEADLINE);
  });

  it('a renamed organization is seen by the other instance; a change nobody announced, after the TTL', async () => {
    const named = async (instance: Instance) =>
      ((await (await api(instance, ownerKey, `/orgs/${orgId}`)).json()) as { name: string }).name;
    expect(await named(b)).toBe('Cached Co');
    expect(await named(short)).toBe('Cached Co');
    const renamed = await api(a, ownerKey, `/orgs/${orgId}`, {
      method: 'PATCH',
      body: JSON.stringify({ name: 'Renamed Co' }),
    });
    expect(renamed.status).toBe(200);
    await eventually(async () => expect(await named(b)).toBe('Renamed Co'), NOTICE_DEADLINE);
    expect(await named(short)).toBe('Renamed Co');

    // Written behind every instance's back (as a notice lost in a Redis restart would leave it).
    await stores.db.organizations.updateOne({ _id: orgId }, { $set: { name: 'Quietly Renamed Co' } });
    await eventually(async () => expect(await named(short)).toBe('Quietly Renamed Co'), { timeoutMs: 10_000 });
    // b still answers from its cache, which is what makes these reads cheap.
    expect(await named(b)).toBe('Renamed Co');
  });
});
