import * as client from 'openid-client';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { replayKey } from '../../src/oidc/refresh-replay.js';
import { launchBrowser } from '../support/browser.js';
import { createOrg, createUser, TEST_PASSWORD } from '../support/factories.js';
import { eventually } from '../support/harness.js';
import {
  authorizeInBrowser,
  createClient,
  relyingParty,
  startAuthorization,
  startOidcServer,
} from '../support/oauth.js';
import { redisRoundTrips } from '../support/redis-monitor.js';

const REDIRECT = 'http://127.0.0.1:5998/cb';

let server: Awaited<ReturnType<typeof startOidcServer>>;
let browser: Awaited<ReturnType<typeof launchBrowser>>;
let page: Page;
let rp: client.Configuration;
let ownedRp: client.Configuration;
let bob: Awaited<ReturnType<typeof createUser>>;
let stranger: Awaited<ReturnType<typeof createOrg>>;

beforeAll(async () => {
  server = await startOidcServer();
  browser = await launchBrowser();
  const { db } = server.stores;
  bob = await createUser(db, { name: 'Bob' });
  const other = await createUser(db, { name: 'Carol' });
  stranger = await createOrg(db, other._id, 'Carol Corp');
  const open = await createClient(server.stores, server.config, { name: 'Any Tool', redirectUris: [REDIRECT] });
  rp = await relyingParty(server.issuer, open.client_id, open.client_secret);
  const owned = await createClient(server.stores, server.config, {
    orgId: stranger._id,
    name: 'Carol Internal',
    redirectUris: [REDIRECT],
  });
  ownedRp = await relyingParty(server.issuer, owned.client_id, owned.client_secret);
});

afterAll(async () => {
  await browser?.cleanup();
  await server?.close();
});

async function freshPage() {
  await page?.context().close();
  page = await (await browser.newContext()).newPage();
  return page;
}

async function tokensFor(relying: client.Configuration, organizationName?: string) {
  const { url, checks } = await startAuthorization(relying, { redirectUri: REDIRECT, scope: 'openid offline_access' });
  const callback = await authorizeInBrowser(page, url, REDIRECT, {
    email: bob.email,
    password: TEST_PASSWORD,
    organizationName,
  });
  return client.authorizationCodeGrant(relying, callback, checks);
}

describe('organization rules', () => {
  it('refuses a forged organization parameter naming an organization the person is not in', async () => {
    await freshPage();
    const { url } = await startAuthorization(rp, {
      redirectUri: REDIRECT,
      scope: 'openid',
      organization: stranger._id,
    });
    const callback = await authorizeInBrowser(page, url, REDIRECT, { email: bob.email, password: TEST_PASSWORD });
    expect(callback.searchParams.get('error')).toBe('access_denied');
    expect(callback.searchParams.get('code')).toBeNull();
  });

  it('shows a non-member an error page for a client owned by another organization, and no token', async () => {
    await freshPage();
    const { url } = await startAuthorization(ownedRp, { redirectUri: REDIRECT, scope: 'openid' });
    await page.goto(url.href);
    await page.getByLabel('Email').fill(bob.email);
    await page.getByLabel('Password').fill(TEST_PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect(
      page.getByRole('heading', { name: 'You cannot authorize this app' }).waitFor(),
    ).resolves.toBeUndefined();
    expect(await page.getByRole('alert').textContent()).toContain('not a member');
    expect(page.url()).not.toContain(REDIRECT);
  });

  it('offers only the sign-in form again after a wrong password', async () => {
    await freshPage();
    const { url } = await startAuthorization(rp, { redirectUri: REDIRECT, scope: 'openid' });
    await page.goto(url.href);
    await page.getByLabel('Email').fill(bob.email);
    await page.getByLabel('Password').fill('not the password');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByText('Email or password is incorrect.').waitFor();
    expect(await page.getByLabel('Email').inputValue()).toBe(bob.email);
  });

  it('returns access_denied when the person clicks Deny', async () => {
    await freshPage();
    const { url } = await startAuthorization(rp, { redirectUri: REDIRECT, scope: 'openid' });
    const callback = await authorizeInBrowser(page, url, REDIRECT, {
      email: bob.email,
      password: TEST_PASSWORD,
      decision: 'Deny',
    });
    expect(callback.searchParams.get('error')).toBe('access_denied');
  });
});

describe('OAuth 2.1 rules', () => {
  const authorizeUrl = (params: Record<string, string>) => {
    const url = new URL(`${server.issuer}/auth`);
    for (const [k, v] of Object.entries({
      client_id: rp.clientMetadata().client_id,
      response_type: 'code',
      scope: 'openid',
      redirect_uri: REDIRECT,
      ...params,
    })) {
      url.searchParams.set(k, v);
    }
    return url;
  };

  it('refuses an authorization request without PKCE, or with plain PKCE', async () => {
    const missing = await fetch(authorizeUrl({}), { redirect: 'manual' });
    expect(new URL(missing.headers.get('location') ?? '').searchParams.get('error')).toBe('invalid_request');
    const plain = await fetch(authorizeUrl({ code_challenge: 'a'.repeat(43), code_challenge_method: 'plain' }), {
      redirect: 'manual',
    });
    expect(new URL(plain.headers.get('location') ?? '').searchParams.get('error')).toBe('invalid_request');
  });

  it('refuses an unregistered redirect URI with a page, without redirecting', async () => {
    const response = await fetch(
      authorizeUrl({
        redirect_uri: 'http://127.0.0.1:5998/elsewhere',
        code_challenge: 'a'.repeat(43),
        code_challenge_method: 'S256',
      }),
      { redirect: 'manual' },
    );
    expect(response.status).toBe(400);
    expect(response.headers.get('location')).toBeNull();
    expect(response.headers.get('content-type')).toContain('text/html');
    expect(await response.text()).toContain('redirect_uri');
  });

  it('accepts any port on a loopback redirect URI of a native client, and nothing else', async () => {
    const native = await createClient(server.stores, server.config, {
      name: 'Terminal tool',
      redirectUris: ['http://127.0.0.1/callback'],
      public: true,
    });
    const request = (redirectUri: string) => {
      const url = authorizeUrl({
        redirect_uri: redirectUri,
        code_challenge: 'a'.repeat(43),
        code_challenge_method: 'S256',
      });
      url.searchParams.set('client_id', native.client_id);
      return fetch(url, { redirect: 'manual' });
    };
    const anyPort = await request('http://127.0.0.1:49152/callback');
    expect(anyPort.status).toBe(303);
    expect(anyPort.headers.get('location')).toContain('/interaction/');
    expect((await request('http://127.0.0.1:49152/other')).status).toBe(400);
    expect((await request('http://localhost:49152/callback')).status).toBe(400);
  });

  it('refuses a sign-in form posted without its CSRF token', async () => {
    await freshPage();
    const { url } = await startAuthorization(rp, { redirectUri: REDIRECT, scope: 'openid' });
    await page.goto(url.href);
    await page.getByLabel('Email').waitFor();
    const response = await page.request.post(`${page.url()}/login`, {
      form: { email: bob.email, password: TEST_PASSWORD, csrf: 'forged' },
      maxRedirects: 0,
    });
    expect(response.status()).toBe(403);
    expect(await response.text()).toContain('This form has expired');
  });

  it('revokes the tokens of a code that is used twice', async () => {
    await freshPage();
    const { url, checks } = await startAuthorization(rp, { redirectUri: REDIRECT, scope: 'openid offline_access' });
    const callback = await authorizeInBrowser(page, url, REDIRECT, { email: bob.email, password: TEST_PASSWORD });
    const tokens = await client.authorizationCodeGrant(rp, callback, checks);
    expect((await client.tokenIntrospection(rp, tokens.access_token)).active).toBe(true);
    await expect(client.authorizationCodeGrant(rp, callback, checks)).rejects.toMatchObject({ error: 'invalid_grant' });
    expect((await client.tokenIntrospection(rp, tokens.access_token)).active).toBe(false);
    await expect(client.refreshTokenGrant(rp, tokens.refresh_token ?? '')).rejects.toMatchObject({
      error: 'invalid_grant',
    });
  });

  it('exchanges a code and rotates a refresh token in two Redis round trips each', async () => {
    await freshPage();
    const authorize = async () => {
      const { url, checks } = await startAuthorization(rp, { redirectUri: REDIRECT, scope: 'openid offline_access' });
      const callback = await authorizeInBrowser(page, url, REDIRECT, { email: bob.email, password: TEST_PASSWORD });
      return { callback, checks };
    };
    // Once before: Redis learns the scripts (the first call of each after a Redis start sends it whole).
    const warm = await authorize();
    const warmTokens = await client.authorizationCodeGrant(rp, warm.callback, warm.checks);
    await client.refreshTokenGrant(rp, warmTokens.refresh_token ?? '');
    const { callback, checks } = await authorize();
    const roundTrips = await redisRoundTrips(server.config.redisUrl, server.config.redisKeyPrefix);
    try {
      // The code is read in the rate limit's script; consuming it is the second round trip.
      const exchange = await roundTrips.of(() => client.authorizationCodeGrant(rp, callback, checks));
      expect(exchange.trips.map((t) => t.command)).toEqual(['evalsha', 'evalsha']);
      expect(new Set(exchange.trips[0]?.keys.filter((k) => k.startsWith('AuthorizationCode:'))).size).toBe(1);
      // The replay window's claim rides in the rate limit's script; keeping the answer is the second.
      const refresh = await roundTrips.of(() => client.refreshTokenGrant(rp, exchange.result.refresh_token ?? ''));
      expect(refresh.trips.map((t) => t.command)).toEqual(['evalsha', 'evalsha']);
      expect(new Set(refresh.trips[0]?.keys.filter((k) => k.startsWith('refresh-replay'))).size).toBe(2);
      expect(refresh.result.refresh_token).not.toBe(exchange.result.refresh_token);
      expect((await client.tokenIntrospection(rp, refresh.result.access_token)).active).toBe(true);
    } finally {
      roundTrips.close();
    }
  });

  it('answers a rotated refresh token presented again within seconds with the same new pair', async () => {
    await freshPage();
    const first = await tokensFor(rp);
    // Two tabs refreshing at once, then a retry: one rotation, one answer for all three.
    const [a, b] = await Promise.all([
      client.refreshTokenGrant(rp, first.refresh_token ?? ''),
      client.refreshTokenGrant(rp, first.refresh_token ?? ''),
    ]);
    const c = await client.refreshTokenGrant(rp, first.refresh_token ?? '');
    expect(a.refresh_token).not.toBe(first.refresh_token);
    for (const again of [b, c]) {
      expect(again.refresh_token).toBe(a.refresh_token);
      expect(again.access_token).toBe(a.access_token);
    }
    // The answer is kept for the window only (REFRESH_REUSE_WINDOW_SECONDS, 10 s by default).
    const left = await server.stores.redis.pttl(replayKey(first.refresh_token ?? ''));
    expect(left).toBeGreaterThan(0);
    expect(left).toBeLessThanOrEqual(10_000);
    // The grant lives on: the new refresh token rotates as usual.
    const next = await client.refreshTokenGrant(rp, a.refresh_token ?? '');
    expect(next.refresh_token).not.toBe(a.refresh_token);
    expect((await client.tokenIntrospection(rp, next.access_token)).active).toBe(true);
  });

  it('revokes the grant when a rotated refresh token is used again after the window', async () => {
    await freshPage();
    const first = await tokensFor(rp);
    const second = await client.refreshTokenGrant(rp, first.refresh_token ?? '');
    expect(second.refresh_token).not.toBe(first.refresh_token);
    // The window ends (as it does REFRESH_REUSE_WINDOW_SECONDS after the rotation).
    await server.stores.redis.del(replayKey(first.refresh_token ?? ''));
    await expect(client.refreshTokenGrant(rp, first.refresh_token ?? '')).rejects.toMatchObject({
      error: 'invalid_grant',
    });
    await expect(client.refreshTokenGrant(rp, second.refresh_token ?? '')).rejects.toMatchObject({
      error: 'invalid_grant',
    });
    expect((await client.tokenIntrospection(rp, second.access_token)).active).toBe(false);
    // Both reuses of this file (the code used twice above, and this refresh token) are in the audit log.
    const reuses = await eventually(async () => {
      const found = await server.stores.db.auditEvents.find({ action: 'grant.revoked_on_reuse' }).lean();
      if (found.length < 2) throw new Error('not every reuse is audited yet');
      return found;
    });
    expect(reuses.map((e) => (e.data as { reused: string }).reused).sort()).toEqual(['code', 'refresh_token']);
    expect(reuses.every((e) => e.actorType === 'client' && e.targetType === 'grant')).toBe(true);
  });
});
