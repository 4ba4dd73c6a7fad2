import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as client from 'openid-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addCredits } from '../../src/credits/service.js';
import { verifyLedgers } from '../../src/credits/verify.js';
import { createResourceServer } from '../../src/resources/service.js';
import { startFerretDb } from '../../src/stores/local/ferretdb.js';
import { repoRoot } from '../../src/stores/local/index.js';
import { startRedisServer } from '../../src/stores/local/redis-server.js';
import { orgWithRoles } from '../support/api.js';
import { TEST_PASSWORD } from '../support/factories.js';
import { answerWithoutHanging, eventually } from '../support/harness.js';
import { createClient, relyingParty, startOidcServer } from '../support/oauth.js';

// This file runs its own FerretDB and redis-server so it can stop and restart the real processes.
const API = 'https://usage.orgauth.test/api';
const dataDir = mkdtempSync(join(tmpdir(), 'orgauth-outages-'));
let ferret: Awaited<ReturnType<typeof startFerretDb>>;
let redis: Awaited<ReturnType<typeof startRedisServer>>;
let server: Awaited<ReturnType<typeof startOidcServer>>;
let acme: Awaited<ReturnType<typeof orgWithRoles>>;
let rp: client.Configuration;
let worker: { client_id: string; client_secret?: string };
let tool: { client_id: string };
let stored: { accessToken: string; balance: number };

beforeAll(async () => {
  ferret = await startFerretDb({ root: repoRoot, dataDir });
  redis = await startRedisServer();
  server = await startOidcServer({ MONGODB_URI: `${ferret.uri}outages`, REDIS_URL: redis.url });
  acme = await orgWithRoles(server.stores.db, server.url, 'Outage Inc');
  await addCredits(
    server.stores.db,
    acme.org._id,
    { amount: 100, description: 'opening balance' },
    { actor: { type: 'system', id: 'test' } },
  );
  await createResourceServer(server.stores.db, { uri: API, scopes: ['usage'], format: 'opaque', orgId: acme.org._id });
  worker = await createClient(server.stores, server.config, {
    orgId: acme.org._id,
    name: 'Usage worker',
    grantTypes: ['client_credentials'],
    scope: 'usage',
  });
  rp = await relyingParty(server.issuer, worker.client_id, worker.client_secret);
  tool = await createClient(server.stores, server.config, { name: 'Tool', redirectUris: ['http://127.0.0.1:5991/cb'] });
  const tokens = await client.clientCredentialsGrant(rp, { resource: API, scope: 'usage' });
  stored = { accessToken: tokens.access_token, balance: 100 };
  const signedIn = await signInWithForm(TEST_PASSWORD);
  expect(signedIn.status).toBe(303);
  session = signedIn.headers
    .getSetCookie()
    .map((c) => c.split(';')[0])
    .join('; ');
}, 60_000);

afterAll(async () => {
  await server?.close();
  await redis?.stop();
  await ferret?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

type Store = 'mongodb' | 'redis';
interface Probe {
  name: string;
  request: () => Promise<Response>;
  /** The stores the endpoint cannot answer without (by default both). */
  needs?: Store[];
}

const basic = () => `Basic ${Buffer.from(`${worker.client_id}:${worker.client_secret}`).toString('base64')}`;
const form = (fields: Record<string, string>) => new URLSearchParams(fields).toString();
let debitNumber = 0;
let session: string;

/** The console's sign-in form as a browser posts it (visitor cookie and CSRF token from the page). */
async function signInWithForm(password: string) {
  const page = await fetch(`${server.url}/console/signin`);
  const cookie = page.headers
    .getSetCookie()
    .map((c) => c.split(';')[0])
    .join('; ');
  const csrf = /name="csrf" value="([^"]+)"/.exec(await page.text())?.[1] ?? '';
  return fetch(`${server.url}/console/signin`, {
    method: 'POST',
    redirect: 'manual',
    headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' },
    body: form({ csrf, email: acme.owner.email, password }),
  });
}

/** A request to each kind of endpoint: OAuth JSON, OAuth pages, the admin API, the console. */
function probes(): Probe[] {
  const post = (path: string, body: string, headers: Record<string, string>) => () =>
    fetch(`${server.url}${path}`, { method: 'POST', body, headers, redirect: 'manual' });
  const get =
    (path: string, headers: Record<string, string> = {}) =>
    () =>
      fetch(`${server.url}${path}`, { headers, redirect: 'manual' });
  const formType = { 'content-type': 'application/x-www-form-urlencoded' };
  const owner = { authorization: `Bearer ${acme.keys.owner}` };
  return [
    {
      name: 'token (client credentials)',
      request: post('/token', form({ grant_type: 'client_credentials', scope: 'usage', resource: API }), {
        ...formType,
        authorization: basic(),
      }),
    },
    {
      name: 'introspection',
      request: post('/token/introspection', form({ token: stored.accessToken }), {
        ...formType,
        authorization: basic(),
      }),
    },
    {
      name: 'revocation',
      request: post('/token/revocation', form({ token: 'not-a-real-token-000000000000' }), {
        ...formType,
        authorization: basic(),
      }),
    },
    {
      name: 'authorization request',
      request: get(
        `/auth?client_id=${tool.client_id}&response_type=code&scope=openid&redirect_uri=http%3A%2F%2F127.0.0.1%3A5991%2Fcb&code_challenge=${'a'.repeat(43)}&code_challenge_method=S256`,
      ),
    },
    {
      name: 'dynamic registration',
      request: post(
        '/reg',
        JSON.stringify({ redirect_uris: ['http://127.0.0.1/cb'], token_endpoint_auth_method: 'none' }),
        {
          'content-type': 'application/json',
        },
      ),
    },
    { name: 'admin API read', request: get(`/api/v1/orgs/${acme.org._id}`, owner) },
    { name: 'admin API credits', request: get(`/api/v1/orgs/${acme.org._id}/credits`, owner) },
    {
      name: 'admin API debit',
      request: () =>
        fetch(`${server.url}/api/v1/orgs/${acme.org._id}/credits/debits`, {
          method: 'POST',
          headers: { ...owner, 'content-type': 'application/json', 'idempotency-key': `outage-${++debitNumber}` },
          body: JSON.stringify({ amount: 1, description: 'during an outage' }),
        }),
    },
    {
      name: 'api key introspection',
      request: post('/api-keys/introspection', form({ token: acme.keys.member }), {
        ...formType,
        authorization: basic(),
      }),
      needs: ['mongodb'],
    },
    { name: 'console sign-in page', request: get('/console/signin'), needs: [] },
    { name: 'console sign-in', request: () => signInWithForm('not-the-password') },
    { name: 'console page of a signed-in person', request: get(`/console/orgs/${acme.org._id}`, { cookie: session }) },
    { name: 'discovery', request: get('/.well-known/openid-configuration'), needs: [] },
    { name: 'jwks', request: get('/jwks'), needs: [] },
  ];
}

/** Every probe answers instead of hanging: 503 when a store it needs is down, as usual otherwise. */
async function expectUnavailable(expectedChecks: Record<string, string>) {
  const ready = await fetch(`${server.url}/readyz`);
  expect(ready.status).toBe(503);
  expect(await ready.json()).toEqual({ status: 'unavailable', checks: expectedChecks });
  const answers = await Promise.all(
    probes().map(async (probe) => {
      const response = await answerWithoutHanging(probe.request(), probe.name);
      const text = await response.text();
      return { probe, status: response.status, text, response };
    }),
  );
  const down = new Set(Object.keys(expectedChecks).filter((store) => expectedChecks[store] === 'down'));
  for (const { probe, status, text, response } of answers) {
    const label = `${probe.name}: ${status} ${text.slice(0, 200)}`;
    if (!(probe.needs ?? ['mongodb', 'redis']).some((store) => down.has(store))) {
      // What it needs is up: it answers as usual.
      expect(status, label).toBeLessThan(500);
      continue;
    }
    expect(status, label).toBe(503);
    expect(response.headers.get('retry-after'), probe.name).toBeTruthy();
    expect(text, probe.name).not.toMatch(/at .*\.(js|ts):\d+/);
    expect(text, probe.name).toMatch(/unavailable/i);
  }
}

/** After the stores return: ready again, the old token and balance intact, new work succeeds. */
async function expectRecovered() {
  await eventually(
    async () => {
      const ready = await fetch(`${server.url}/readyz`);
      expect(ready.status).toBe(200);
    },
    { timeoutMs: 20_000, intervalMs: 250 },
  );
  await eventually(
    async () => {
      const fresh = await client.clientCredentialsGrant(rp, { resource: API, scope: 'usage' });
      expect(fresh.access_token).toBeTruthy();
    },
    { timeoutMs: 10_000, intervalMs: 250 },
  );
  const introspected = await client.tokenIntrospection(rp, stored.accessToken);
  expect(introspected).toMatchObject({ active: true, org_id: acme.org._id });

  const balance = await fetch(`${server.url}/api/v1/orgs/${acme.org._id}/credits`, {
    headers: { authorization: `Bearer ${acme.keys.owner}` },
  });
  expect(balance.status).toBe(200);
  const { balance: now } = (await balance.json()) as { balance: number };
  // Debits refused during the outage charged nothing, and the ledger is consistent.
  const report = await verifyLedgers(server.stores.db, { orgId: acme.org._id });
  expect(report.differences).toBe(0);
  expect(report.reports[0]?.balance).toBe(stored.balance);
  expect(now).toBe(stored.balance);

  const debit = await fetch(`${server.url}/api/v1/orgs/${acme.org._id}/credits/debits`, {
    method: 'POST',
    headers: {
      authorization: `Bearer ${acme.keys.owner}`,
      'content-type': 'application/json',
      'idempotency-key': `after-${++debitNumber}`,
    },
    body: JSON.stringify({ amount: 1, description: 'after recovery' }),
  });
  expect(debit.status).toBe(201);
  stored.balance -= 1;
}

const restartFerret = async () => {
  ferret = await startFerretDb({ root: repoRoot, dataDir, port: Number(new URL(ferret.uri).port) });
};
const restartRedis = async () => {
  redis = await startRedisServer(redis.port);
};

describe('when a store goes away', () => {
  it('answers 503 fast without MongoDB, and recovers by itself when it returns', { timeout: 90_000 }, async () => {
    await ferret.stop();
    try {
      await expectUnavailable({ mongodb: 'down', redis: 'up' });
    } finally {
      await restartFerret();
    }
    await expectRecovered();
  });

  it('answers 503 fast without Redis, and recovers by itself when it returns', { timeout: 90_000 }, async () => {
    await redis.stop();
    try {
      await expectUnavailable({ mongodb: 'up', redis: 'down' });
    } finally {
      await restartRedis();
    }
    await expectRecovered();
  });

  it('answers 503 fast without either, and recovers by itself when both return', { timeout: 90_000 }, async () => {
    await Promise.all([ferret.stop(), redis.stop()]);
    try {
      await expectUnavailable({ mongodb: 'down', redis: 'down' });
    } finally {
      await Promise.all([restartFerret(), restartRedis()]);
    }
    await expectRecovered();
  });
});
