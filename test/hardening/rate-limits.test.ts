import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiKey } from '../../src/apikeys/service.js';
import { createResourceServer } from '../../src/resources/service.js';
import { apiClient } from '../support/api.js';
import { consoleSignIn } from '../support/console.js';
import { createOrg, createUser, TEST_PASSWORD } from '../support/factories.js';
import { createClient, startOidcServer } from '../support/oauth.js';

const API = 'https://limits.orgauth.test/api';

let server: Awaited<ReturnType<typeof startOidcServer>>;
beforeAll(async () => {
  server = await startOidcServer({ TOKEN_RATE_LIMIT: '5', API_RATE_LIMIT: '5' });
});
afterAll(() => server?.close());

const signInAttempt = (email: string, password: string) => consoleSignIn(server.url, email, password);

describe('sign-in', () => {
  it('makes each guess wait longer from the third failure, then locks the account for this address', async () => {
    const person = await createUser(server.stores.db);
    for (let i = 0; i < 3; i++) expect((await signInAttempt(person.email, 'wrong guess')).status).toBe(401);
    const waitOne = await signInAttempt(person.email, 'wrong guess');
    expect(waitOne).toMatchObject({ status: 429, retryAfter: 1 });
    expect(waitOne.html).toContain('Too many attempts. Try again in 1 seconds.');
    await sleep(1100);
    expect((await signInAttempt(person.email, 'wrong guess')).status).toBe(401);
    expect(await signInAttempt(person.email, TEST_PASSWORD)).toMatchObject({ status: 429, retryAfter: 2 });
    await sleep(2100);
    expect((await signInAttempt(person.email, 'wrong guess')).status).toBe(401);
    // Five failures: even the right password waits for the 15-minute lockout.
    const locked = await signInAttempt(person.email, TEST_PASSWORD);
    expect(locked.status).toBe(429);
    expect(locked.retryAfter).toBeGreaterThan(800);
  });

  it('forgets the failures after a successful sign-in', async () => {
    const person = await createUser(server.stores.db);
    for (let i = 0; i < 2; i++) expect((await signInAttempt(person.email, 'wrong guess')).status).toBe(401);
    expect((await signInAttempt(person.email, TEST_PASSWORD)).status).toBe(303);
    for (let i = 0; i < 2; i++) expect((await signInAttempt(person.email, 'wrong guess')).status).toBe(401);
    expect((await signInAttempt(person.email, TEST_PASSWORD)).status).toBe(303);
  });
});

describe('the token endpoint', () => {
  it('limits each client on its own, with 429, Retry-After and an OAuth error', async () => {
    const owner = await createUser(server.stores.db);
    const orgId = (await createOrg(server.stores.db, owner._id))._id;
    await createResourceServer(server.stores.db, { uri: API, scopes: ['usage:write'], format: 'jwt', orgId });
    const input = { orgId, name: 'Busy job', grantTypes: ['client_credentials' as const], scope: 'usage:write' };
    const busy = await createClient(server.stores, server.config, input);
    const calm = await createClient(server.stores, server.config, { ...input, name: 'Calm job' });
    const token = (registered: { client_id: string; client_secret?: string }) =>
      fetch(`${server.url}/token`, {
        method: 'POST',
        headers: {
          authorization: `Basic ${Buffer.from(`${registered.client_id}:${registered.client_secret}`).toString('base64')}`,
          'content-type': 'application/x-www-form-urlencoded',
        },
        body: new URLSearchParams({ grant_type: 'client_credentials', resource: API, scope: 'usage:write' }),
      });
    const statuses = [];
    for (let i = 0; i < 5; i++) statuses.push((await token(busy)).status);
    expect(statuses).toEqual([200, 200, 200, 200, 200]);
    const refused = await token(busy);
    expect(refused.status).toBe(429);
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(await refused.json()).toMatchObject({ error: 'too_many_requests' });
    expect((await token(calm)).status).toBe(200);
  });
});

describe('the admin API', () => {
  it('limits each credential on its own, with a problem answer', async () => {
    const owner = await createUser(server.stores.db);
    const org = await createOrg(server.stores.db, owner._id);
    const keyOf = async () =>
      (await createApiKey(server.stores.db, { orgId: org._id, userId: owner._id }, { name: 'k' })).key;
    const busy = apiClient(server.url, await keyOf());
    const calm = apiClient(server.url, await keyOf());
    for (let i = 0; i < 5; i++) expect((await busy('GET', `/orgs/${org._id}`)).status).toBe(200);
    const refused = await busy('GET', `/orgs/${org._id}`);
    expect(refused.status).toBe(429);
    expect(refused.headers.get('content-type')).toContain('application/problem+json');
    expect(refused.body).toMatchObject({ type: 'https://orgauth.dev/problems/too_many_requests', status: 429 });
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
    expect((await calm('GET', `/orgs/${org._id}`)).status).toBe(200);
  });

  it('refuses an address that keeps presenting bad credentials, whatever it presents next', async () => {
    const guarded = await startOidcServer({ API_AUTH_FAILURES_PER_IP: '3' });
    try {
      const owner = await createUser(guarded.stores.db);
      const org = await createOrg(guarded.stores.db, owner._id);
      const good = (await createApiKey(guarded.stores.db, { orgId: org._id, userId: owner._id }, { name: 'k' })).key;
      expect((await apiClient(guarded.url, good)('GET', `/orgs/${org._id}`)).status).toBe(200);
      for (let i = 0; i < 3; i++) {
        const guess = await apiClient(guarded.url, `oa_live_guess${i}${'x'.repeat(30)}`)('GET', `/orgs/${org._id}`);
        expect(guess.status).toBe(401);
      }
      const refused = await apiClient(guarded.url, 'oa_live_another-guess')('GET', `/orgs/${org._id}`);
      expect(refused.status).toBe(429);
      expect(refused.body).toMatchObject({ type: 'https://orgauth.dev/problems/too_many_requests' });
      expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(800);
      expect((await apiClient(guarded.url, good)('GET', `/orgs/${org._id}`)).status).toBe(429);
    } finally {
      await guarded.close();
    }
  });
});
