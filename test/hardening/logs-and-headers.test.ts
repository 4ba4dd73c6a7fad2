import * as client from 'openid-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/logger.js';
import { createResourceServer } from '../../src/resources/service.js';
import { orgWithRoles, platformClient } from '../support/api.js';
import { launchBrowser } from '../support/browser.js';
import { consoleSignIn } from '../support/console.js';
import { TEST_PASSWORD } from '../support/factories.js';
import {
  authorizeInBrowser,
  createClient,
  relyingParty,
  startAuthorization,
  startOidcServer,
} from '../support/oauth.js';

const API = 'https://logged.orgauth.test/api';
const REDIRECT = 'http://127.0.0.1:7/callback';

/** Every line the server logs, at the most verbose level. */
const lines: string[] = [];
let server: Awaited<ReturnType<typeof startOidcServer>>;

beforeAll(async () => {
  const logger = createLogger({ logLevel: 'trace' }, { write: (line: string) => void lines.push(line) });
  server = await startOidcServer({ LOG_LEVEL: 'trace' }, logger);
});
afterAll(() => server?.close());

describe('logs', () => {
  it('never contain a password, secret, key, code, token or cookie, through every kind of request', async () => {
    const { db } = server.stores;
    const acme = await orgWithRoles(db, server.url, 'Logged Co');
    await createResourceServer(db, { uri: API, scopes: ['things:read'], format: 'jwt', orgId: acme.org._id });
    const secrets: Record<string, string> = { password: TEST_PASSWORD, ...acme.keys };

    // Sign-in forms, right and wrong.
    const signedIn = await consoleSignIn(server.url, acme.owner.email, TEST_PASSWORD);
    expect(signedIn.status).toBe(303);
    secrets.sessionCookie = signedIn.cookies.find((c) => c.startsWith('orgauth_console='))?.split(/[=;]/)[1] ?? '';
    secrets.wrongPassword = 'my-wrong-password-42';
    expect((await consoleSignIn(server.url, acme.owner.email, secrets.wrongPassword)).status).toBe(401);

    // The authorization-code flow in a browser and a refresh.
    const app = await createClient(server.stores, server.config, {
      orgId: acme.org._id,
      name: 'Logged app',
      redirectUris: [REDIRECT],
      scope: 'openid offline_access things:read',
    });
    secrets.clientSecret = app.client_secret ?? '';
    const rp = await relyingParty(server.issuer, app.client_id, app.client_secret);
    const { url, checks } = await startAuthorization(rp, {
      redirectUri: REDIRECT,
      scope: 'openid offline_access things:read',
      resource: API,
      extra: { prompt: 'consent' },
    });
    const browser = await launchBrowser();
    try {
      const page = await browser.newPage();
      const callback = await authorizeInBrowser(page, url, REDIRECT, {
        email: acme.owner.email,
        password: TEST_PASSWORD,
      });
      secrets.code = callback.searchParams.get('code') ?? '';
      const tokens = await client.authorizationCodeGrant(rp, callback, checks, { resource: API });
      secrets.accessToken = tokens.access_token;
      secrets.idToken = tokens.id_token ?? '';
      secrets.refreshToken = tokens.refresh_token ?? '';
      const refreshed = await client.refreshTokenGrant(rp, secrets.refreshToken, { resource: API });
      secrets.rotatedRefreshToken = refreshed.refresh_token ?? '';
      expect(refreshed.access_token).not.toBe(secrets.accessToken);
      // A reused refresh token and a wrong client secret fail, and their failures are logged.
      await expect(client.refreshTokenGrant(rp, secrets.refreshToken)).rejects.toThrow();
      secrets.wrongClientSecret = 'not-the-client-secret-123';
      const wrong = await relyingParty(server.issuer, app.client_id, secrets.wrongClientSecret).catch(() => undefined);
      if (wrong) await expect(client.clientCredentialsGrant(wrong, { resource: API })).rejects.toThrow();
    } finally {
      await browser.cleanup();
    }

    // The admin API: an invitation token, a new API key, a platform key, a forged key.
    const invitation = await acme.as.owner<{ token: string }>('POST', `/orgs/${acme.org._id}/invitations`, {
      email: 'invitee@example.test',
      role: 'member',
    });
    secrets.invitationToken = invitation.body.token;
    const created = await acme.as.member<{ key: string }>('POST', `/orgs/${acme.org._id}/api-keys`, { name: 'laptop' });
    secrets.newKey = created.body.key;
    const platform = await platformClient(db, server.url);
    expect((await platform('GET', '/orgs')).status).toBe(200);
    secrets.forgedKey = 'oa_live_forged0000000000000000000000000000000';
    const forged = await fetch(`${server.url}/api/v1/orgs/${acme.org._id}`, {
      headers: { authorization: `Bearer ${secrets.forgedKey}` },
    });
    expect(forged.status).toBe(401);

    const log = lines.join('');
    expect(lines.length).toBeGreaterThan(20);
    expect(log).toContain('"path":"/token"');
    for (const [name, secret] of Object.entries(secrets)) {
      expect(secret.length, name).toBeGreaterThan(7);
      expect(log.includes(secret), `${name} appears in the logs`).toBe(false);
    }
  });
});

describe('pages and cookies', () => {
  it('send a strict CSP and set console cookies HttpOnly, SameSite=Lax and Secure behind https', async () => {
    const page = await fetch(`${server.url}/console/signin`, { headers: { accept: 'text/html' } });
    const csp = page.headers.get('content-security-policy') ?? '';
    for (const directive of [
      "default-src 'none'",
      "script-src 'self'",
      "frame-ancestors 'none'",
      "form-action 'self'",
    ]) {
      expect(csp).toContain(directive);
    }
    expect(csp).not.toContain('unsafe-inline');
    expect(page.headers.get('x-content-type-options')).toBe('nosniff');
    expect(page.headers.get('cache-control')).toBe('no-store');
    const visitor = page.headers.getSetCookie().find((c) => c.startsWith('orgauth_visitor=')) ?? '';
    expect(visitor).toMatch(/; httponly/i);
    expect(visitor).toMatch(/; samesite=lax/i);

    const proxied = await startOidcServer({ TRUST_PROXY: 'true' });
    try {
      const behindHttps = await fetch(`${proxied.url}/console/signin`, {
        headers: { accept: 'text/html', 'x-forwarded-proto': 'https' },
      });
      const cookie = behindHttps.headers.getSetCookie().find((c) => c.startsWith('orgauth_visitor=')) ?? '';
      expect(cookie).toMatch(/; secure/i);
    } finally {
      await proxied.close();
    }
  });
});
