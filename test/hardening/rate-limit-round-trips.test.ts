import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiKey } from '../../src/apikeys/service.js';
import { addCredits } from '../../src/credits/service.js';
import { createResourceServer } from '../../src/resources/service.js';
import { createOrg, createUser } from '../support/factories.js';
import { createClient, startOidcServer } from '../support/oauth.js';
import { redisRoundTrips } from '../support/redis-monitor.js';

const API = 'https://round-trips.orgauth.test/api';
const LIMIT_NAMES = /^(admin-api|admin-api-auth-failures|credit-debits|client-auth|registration-ip|login-[a-z-]+):/;

let server: Awaited<ReturnType<typeof startOidcServer>>;
let roundTrips: Awaited<ReturnType<typeof redisRoundTrips>>;
beforeAll(async () => {
  server = await startOidcServer();
  roundTrips = await redisRoundTrips(server.config.redisUrl, server.config.redisKeyPrefix);
});
afterAll(async () => {
  roundTrips?.close();
  await server?.close();
});

/** The round trips an action costs on this server's rate-limit keys, each with the limit keys it touched. */
async function limitRoundTrips(action: () => Promise<Response>) {
  const { result, trips } = await roundTrips.of(action);
  return {
    status: result.status,
    trips: trips
      .map((trip) => ({ ...trip, keys: trip.keys.filter((key) => LIMIT_NAMES.test(key)) }))
      .filter((trip) => trip.keys.length),
  };
}

const namesOf = (keys: string[]) => [...new Set(keys.map((k) => k.split(':')[0]))].sort();

describe('rate limits cost one Redis round trip per request', () => {
  let orgId: string;
  let apiKey: string;
  let worker: { client_id: string; client_secret?: string };
  beforeAll(async () => {
    const owner = await createUser(server.stores.db);
    orgId = (await createOrg(server.stores.db, owner._id))._id;
    apiKey = (await createApiKey(server.stores.db, { orgId, userId: owner._id }, { name: 'k' })).key;
    await addCredits(
      server.stores.db,
      orgId,
      { amount: 100, description: 'opening' },
      { actor: { type: 'system', id: 't' } },
    );
    await createResourceServer(server.stores.db, { uri: API, scopes: ['read'], format: 'jwt', orgId });
    worker = await createClient(server.stores, server.config, {
      orgId,
      name: 'Worker',
      grantTypes: ['client_credentials'],
      scope: 'read',
    });
  });

  const adminRead = () =>
    fetch(`${server.url}/api/v1/orgs/${orgId}`, { headers: { authorization: `Bearer ${apiKey}` } });
  const debit = (credential = apiKey) =>
    fetch(`${server.url}/api/v1/orgs/${orgId}/credits/debits`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${credential}`,
        'content-type': 'application/json',
        'idempotency-key': randomUUID(),
      },
      body: JSON.stringify({ amount: 1, description: 'metered' }),
    });
  const token = () =>
    fetch(`${server.url}/token`, {
      method: 'POST',
      headers: {
        authorization: `Basic ${Buffer.from(`${worker.client_id}:${worker.client_secret}`).toString('base64')}`,
        'content-type': 'application/x-www-form-urlencoded',
      },
      body: new URLSearchParams({ grant_type: 'client_credentials', resource: API, scope: 'read' }),
    });

  it('an admin API request: its credential limit and its address guard in one script call', async () => {
    await adminRead();
    const { status, trips } = await limitRoundTrips(adminRead);
    expect(status).toBe(200);
    expect(trips).toHaveLength(1);
    expect(trips[0]?.command).toBe('evalsha');
    expect(namesOf(trips[0]?.keys ?? [])).toEqual(['admin-api', 'admin-api-auth-failures']);
  });

  it('a debit: its organization limit and the address guard in one script call', async () => {
    await debit();
    const { status, trips } = await limitRoundTrips(() => debit());
    expect(status).toBe(201);
    expect(trips.map((t) => t.command)).toEqual(['evalsha']);
    expect(namesOf(trips[0]?.keys ?? [])).toEqual(['admin-api-auth-failures', 'credit-debits']);
  });

  it('a token request: its client limit in one script call', async () => {
    await token();
    const { status, trips } = await limitRoundTrips(token);
    expect(status).toBe(200);
    expect(trips.map((t) => t.command)).toEqual(['evalsha']);
    expect(namesOf(trips[0]?.keys ?? [])).toEqual(['client-auth']);
  });

  it('a refused credential: one more call, for the penalty and the refund', async () => {
    const { status, trips } = await limitRoundTrips(() => debit('oa_live_not-a-key'));
    expect(status).toBe(401);
    expect(trips.map((t) => t.command)).toEqual(['evalsha', 'evalsha']);
    expect(namesOf(trips[1]?.keys ?? [])).toEqual(['admin-api-auth-failures', 'credit-debits']);
  });
});
