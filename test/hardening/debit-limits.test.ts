import { randomUUID } from 'node:crypto';
import * as client from 'openid-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiKey } from '../../src/apikeys/service.js';
import { addCredits } from '../../src/credits/service.js';
import type { Db } from '../../src/stores/db.js';
import { apiClient } from '../support/api.js';
import { createOrg, createUser } from '../support/factories.js';
import { createClient, relyingParty, startOidcServer } from '../support/oauth.js';

type Server = Awaited<ReturnType<typeof startOidcServer>>;

// The admin API's limit is low here, so that a debit counted against it would show at once.
let metered: Server;
let strict: Server;
beforeAll(async () => {
  [metered, strict] = await Promise.all([
    startOidcServer({ API_RATE_LIMIT: '5' }),
    startOidcServer({ API_RATE_LIMIT: '5', DEBIT_RATE_LIMIT: '5' }),
  ]);
});
afterAll(async () => {
  await Promise.all([metered?.close(), strict?.close()]);
});

async function fundedOrg(db: Db) {
  const owner = await createUser(db);
  const org = await createOrg(db, owner._id);
  await addCredits(db, org._id, { amount: 100_000, description: 'opening' }, { actor: { type: 'system', id: 'test' } });
  const key = (await createApiKey(db, { orgId: org._id, userId: owner._id }, { name: 'meter' })).key;
  return { orgId: org._id, key };
}

/** A resource server's own credential: a client credentials token of a client of the organization. */
async function resourceServerToken(server: Server, orgId: string) {
  const meter = await createClient(server.stores, server.config, {
    orgId,
    name: 'Metering service',
    grantTypes: ['client_credentials'],
  });
  const rp = await relyingParty(server.issuer, meter.client_id, meter.client_secret);
  const { access_token } = await client.clientCredentialsGrant(rp, {
    resource: `${server.issuer}/api`,
    scope: 'orgauth:api',
  });
  return access_token;
}

const debit = (server: Server, credential: string, orgId: string) =>
  apiClient(server.url, credential)(
    'POST',
    `/orgs/${orgId}/credits/debits`,
    { amount: 1, description: 'metered call' },
    { 'idempotency-key': randomUUID() },
  );

describe('debits', () => {
  it('are not refused to a resource server that meters 20 calls a second, whatever the admin API limit', async () => {
    const { orgId } = await fundedOrg(metered.stores.db);
    const token = await resourceServerToken(metered, orgId);
    const answers: Promise<number>[] = [];
    // Three seconds at a steady 20 a second: 60 debits, twelve times the admin API limit of 5.
    for (let i = 0; i < 60; i++) {
      answers.push(debit(metered, token, orgId).then((a) => a.status));
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(new Set(await Promise.all(answers))).toEqual(new Set([201]));

    // The same credential still has its whole admin API allowance, and no more.
    const admin = apiClient(metered.url, token);
    for (let i = 0; i < 5; i++) expect((await admin('GET', `/orgs/${orgId}/credits`)).status).toBe(200);
    const refused = await admin('GET', `/orgs/${orgId}/credits`);
    expect(refused.status).toBe(429);
    expect(refused.body).toMatchObject({ type: 'https://orgauth.dev/problems/too_many_requests', status: 429 });
  });

  it('have their own limit per organization, answered with a problem and Retry-After', async () => {
    const busy = await fundedOrg(strict.stores.db);
    const calm = await fundedOrg(strict.stores.db);
    for (let i = 0; i < 5; i++) expect((await debit(strict, busy.key, busy.orgId)).status).toBe(201);
    const refused = await debit(strict, busy.key, busy.orgId);
    expect(refused.status).toBe(429);
    expect(refused.headers.get('content-type')).toContain('application/problem+json');
    expect(refused.body).toMatchObject({ type: 'https://orgauth.dev/problems/too_many_requests', status: 429 });
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
    // Another organization's debits, and the organization's other admin routes, are not affected.
    expect((await debit(strict, calm.key, calm.orgId)).status).toBe(201);
    expect((await apiClient(strict.url, busy.key)('GET', `/orgs/${busy.orgId}/credits`)).status).toBe(200);
  });

  it('cannot be spent by a caller the organization refuses, nor by case or encoding of the path', async () => {
    const victim = await fundedOrg(strict.stores.db);
    const outsider = await fundedOrg(strict.stores.db);
    for (let i = 0; i < 6; i++) {
      expect((await debit(strict, 'oa_live_not-a-key', victim.orgId)).status).toBe(401);
      expect((await debit(strict, outsider.key, victim.orgId)).status).toBe(403);
    }
    for (let i = 0; i < 5; i++) expect((await debit(strict, victim.key, victim.orgId)).status).toBe(201);
    // The router matches any case and decodes the id: the same organization, the same budget.
    const encodedId = `%${victim.orgId.charCodeAt(0).toString(16)}${victim.orgId.slice(1)}`;
    const spelledOtherwise = await fetch(`${strict.url}/API/V1/orgs/${encodedId}/credits/debits`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${victim.key}`,
        'content-type': 'application/json',
        'idempotency-key': randomUUID(),
      },
      body: JSON.stringify({ amount: 1, description: 'metered call' }),
    });
    expect(spelledOtherwise.status).toBe(429);
  });
});
