import { createRemoteJWKSet, jwtVerify } from 'jose';
import * as client from 'openid-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createResourceServer } from '../../src/resources/service.js';
import { startRedisServer } from '../../src/stores/local/redis-server.js';
import { launchBrowser } from '../support/browser.js';
import { createUser, TEST_PASSWORD } from '../support/factories.js';
import { eventually, startTestServer } from '../support/harness.js';
import {
  authorizeInBrowser,
  createClient,
  relyingParty,
  startAuthorization,
  startOidcServer,
} from '../support/oauth.js';

const REDIRECT = 'http://127.0.0.1:5997/cb';
const API = 'https://files.orgauth.test/';

let redis: Awaited<ReturnType<typeof startRedisServer>>;
let server: Awaited<ReturnType<typeof startOidcServer>>;
let browser: Awaited<ReturnType<typeof launchBrowser>>;
let rp: client.Configuration;
let tokens: client.TokenEndpointResponse;

beforeAll(async () => {
  redis = await startRedisServer();
  server = await startOidcServer({ REDIS_URL: redis.url });
  browser = await launchBrowser();
  const person = await createUser(server.stores.db);
  await createResourceServer(server.stores.db, { uri: API, scopes: ['files:read'], format: 'jwt' });
  const registered = await createClient(server.stores, server.config, { name: 'Sync', redirectUris: [REDIRECT] });
  rp = await relyingParty(server.issuer, registered.client_id, registered.client_secret);
  const { url, checks } = await startAuthorization(rp, {
    redirectUri: REDIRECT,
    scope: 'openid offline_access files:read',
    resource: API,
  });
  const page = await browser.newPage();
  const callback = await authorizeInBrowser(page, url, REDIRECT, { email: person.email, password: TEST_PASSWORD });
  tokens = await client.authorizationCodeGrant(rp, callback, checks, { resource: API });
});

afterAll(async () => {
  await browser?.cleanup();
  await server?.close();
  await redis?.stop();
});

describe('tokens survive what servers go through', () => {
  it('still verify and refresh after the server restarts', async () => {
    await server.close();
    server = { ...server, ...(await startTestServer(server.config)) };
    const jwks = createRemoteJWKSet(new URL(`${server.issuer}/jwks`));
    await expect(jwtVerify(tokens.access_token, jwks, { issuer: server.issuer, audience: API })).resolves.toBeTruthy();
    const refreshed = await client.refreshTokenGrant(rp, tokens.refresh_token ?? '');
    await expect(
      jwtVerify(refreshed.access_token, jwks, { issuer: server.issuer, audience: API }),
    ).resolves.toBeTruthy();
    tokens = refreshed;
  });

  it('shows a temporarily-unavailable page without Redis, keeps verifying tokens, and recovers by itself', async () => {
    const { url } = await startAuthorization(rp, { redirectUri: REDIRECT, scope: 'openid' });
    await redis.stop();
    const down = await eventually(async () => {
      const response = await fetch(url, { redirect: 'manual' });
      expect(response.status).toBe(503);
      return response;
    });
    expect(down.headers.get('content-type')).toContain('text/html');
    expect(await down.text()).toContain('temporarily unavailable');

    const jwks = createRemoteJWKSet(new URL(`${server.issuer}/jwks`));
    await expect(jwtVerify(tokens.access_token, jwks, { issuer: server.issuer, audience: API })).resolves.toBeTruthy();

    redis = await startRedisServer(redis.port);
    await eventually(
      async () => {
        const response = await fetch(url, { redirect: 'manual' });
        expect(response.status).toBe(303);
        expect(response.headers.get('location')).toContain('/interaction/');
      },
      { timeoutMs: 15_000 },
    );
  });
});
