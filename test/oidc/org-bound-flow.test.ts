import { createRemoteJWKSet, decodeJwt, decodeProtectedHeader, jwtVerify } from 'jose';
import * as client from 'openid-client';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createResourceServer } from '../../src/resources/service.js';
import { launchBrowser } from '../support/browser.js';
import { createOrg, createUser, TEST_PASSWORD } from '../support/factories.js';
import {
  authorizeInBrowser,
  createClient,
  relyingParty,
  startAuthorization,
  startOidcServer,
} from '../support/oauth.js';

const REDIRECT = 'http://127.0.0.1:5999/callback';
const API = 'https://api.orgauth.test/mcp';

let server: Awaited<ReturnType<typeof startOidcServer>>;
let browser: Awaited<ReturnType<typeof launchBrowser>>;
let page: Page;
let rp: client.Configuration;
let alice: Awaited<ReturnType<typeof createUser>>;
let orgA: Awaited<ReturnType<typeof createOrg>>;
let orgB: Awaited<ReturnType<typeof createOrg>>;

beforeAll(async () => {
  server = await startOidcServer();
  browser = await launchBrowser();
  page = await browser.newPage();
  const { db } = server.stores;
  alice = await createUser(db, { name: 'Alice' });
  orgA = await createOrg(db, alice._id, 'Alpha Labs');
  orgB = await createOrg(db, alice._id, 'Beta Works');
  await createResourceServer(db, { uri: API, scopes: ['tools:read', 'tools:call'], format: 'jwt' });
  // A tool owned by no organization: Alice may use it in any of hers.
  const registered = await createClient(server.stores, server.config, {
    name: 'Claude Code',
    redirectUris: [REDIRECT],
    grantTypes: ['authorization_code', 'refresh_token'],
  });
  rp = await relyingParty(server.issuer, registered.client_id, registered.client_secret);
});

afterAll(async () => {
  await browser?.cleanup();
  await server?.close();
});

/** `resource: null`: an authorization that names no resource (a sign-in for userinfo only). */
async function authorize(organizationName: string, organization?: string, resource: string | null = API) {
  const { url, checks } = await startAuthorization(rp, {
    redirectUri: REDIRECT,
    scope: resource ? 'openid email organization offline_access tools:read' : 'openid email organization',
    ...(resource ? { resource } : {}),
    organization,
  });
  const callback = await authorizeInBrowser(page, url, REDIRECT, {
    email: alice.email,
    password: TEST_PASSWORD,
    organizationName,
  });
  return client.authorizationCodeGrant(rp, callback, checks);
}

describe('the organization travels through the standard authorization-code flow', () => {
  let tokensB: client.TokenEndpointResponse;

  it('binds the tokens to the organization picked on the consent page', async () => {
    tokensB = await authorize('Beta Works');
    expect(decodeJwt(tokensB.id_token ?? '')).toMatchObject({ sub: alice._id, org_id: orgB._id });
    // openid-client's plain code exchange names no resource: the token is for the one consented to.
    const jwks = createRemoteJWKSet(new URL(`${server.issuer}/jwks`));
    expect(decodeProtectedHeader(tokensB.access_token).typ).toBe('at+jwt');
    const { payload } = await jwtVerify(tokensB.access_token, jwks, { issuer: server.issuer, audience: API });
    expect(payload).toMatchObject({ org_id: orgB._id, org_role: 'owner', sub: alice._id });
    expect(String(payload.scope)).toContain('tools:read');
  });

  it('gives userinfo the organization when the authorization named no resource', async () => {
    const tokens = await authorize('Beta Works', orgB._id, null);
    const introspection = await client.tokenIntrospection(rp, tokens.access_token);
    expect(introspection).toMatchObject({ active: true, org_id: orgB._id, org_role: 'owner', sub: alice._id });
    const userinfo = await client.fetchUserInfo(rp, tokens.access_token, alice._id);
    expect(userinfo).toMatchObject({ sub: alice._id, email: alice.email, org_id: orgB._id, org_role: 'owner' });
  });

  it('puts org_id in the JWT access token for the resource, and refresh keeps it', async () => {
    const jwks = createRemoteJWKSet(new URL(`${server.issuer}/jwks`));
    const refreshed = await client.refreshTokenGrant(rp, tokensB.refresh_token ?? '', { resource: API });
    expect(decodeProtectedHeader(refreshed.access_token).typ).toBe('at+jwt');
    const { payload } = await jwtVerify(refreshed.access_token, jwks, { issuer: server.issuer, audience: API });
    expect(payload).toMatchObject({ org_id: orgB._id, org_role: 'owner', sub: alice._id });
    expect(String(payload.scope)).toContain('tools:read');

    const again = await client.refreshTokenGrant(rp, refreshed.refresh_token ?? '');
    const { payload: second } = await jwtVerify(again.access_token, jwks, { issuer: server.issuer, audience: API });
    expect(second.org_id).toBe(orgB._id);
    tokensB = { ...tokensB, refresh_token: again.refresh_token };
  });

  it('gives a second authorization in another organization its own grant and tokens', async () => {
    const tokensA = await authorize('Alpha Labs', orgA._id);
    expect(decodeJwt(tokensA.access_token)).toMatchObject({ aud: API, org_id: orgA._id });
    const grants = await server.stores.db.connection
      .collection('grant_orgs')
      .find({ userId: alice._id, clientId: rp.clientMetadata().client_id })
      .toArray();
    expect(grants.map((g) => g.orgId).sort()).toEqual([orgA._id, orgB._id].sort());

    // Revoking A's grant (through its refresh token) leaves B's tokens working.
    await client.tokenRevocation(rp, tokensA.refresh_token ?? '');
    await expect(client.refreshTokenGrant(rp, tokensA.refresh_token ?? '')).rejects.toMatchObject({
      error: 'invalid_grant',
    });
    const stillB = await client.refreshTokenGrant(rp, tokensB.refresh_token ?? '', { resource: API });
    expect(decodeJwt(stillB.access_token).org_id).toBe(orgB._id);
  });

  it('signs the person out through RP-initiated logout', async () => {
    await page.goto(`${server.issuer}/session/end`);
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByRole('heading', { name: 'Signed out' }).waitFor();
    const { url } = await startAuthorization(rp, { redirectUri: REDIRECT, scope: 'openid' });
    await page.goto(url.href);
    await page.getByLabel('Email').waitFor();
  });

  it('advertises the organization claims and parameter in discovery', async () => {
    const metadata = rp.serverMetadata() as Record<string, unknown>;
    expect(metadata.claims_supported).toEqual(expect.arrayContaining(['org_id', 'org_role']));
    expect(metadata.organization_parameter_supported).toBe(true);
    expect(metadata.code_challenge_methods_supported).toEqual(['S256']);
  });
});
