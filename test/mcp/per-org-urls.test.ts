import { decodeJwt } from 'jose';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { setAppPolicy } from '../../src/orgs/approvals.js';
import { launchBrowser } from '../support/browser.js';
import { addMemberAs, createOrg, createUser, TEST_PASSWORD } from '../support/factories.js';
import {
  bearerCall,
  callWhoami,
  finishSignIn,
  firstTry,
  InMemoryOAuthProvider,
  startMcpExample,
} from '../support/mcp.js';
import { startOidcServer } from '../support/oauth.js';

const REDIRECT = 'http://127.0.0.1:5997/callback';

let orgauth: Awaited<ReturnType<typeof startOidcServer>>;
let mcp: Awaited<ReturnType<typeof startMcpExample>>;
let browser: Awaited<ReturnType<typeof launchBrowser>>;
let person: Awaited<ReturnType<typeof createUser>>;
let orgA: Awaited<ReturnType<typeof createOrg>>;
let orgB: Awaited<ReturnType<typeof createOrg>>;
let elsewhere: Awaited<ReturnType<typeof createOrg>>;
let strict: Awaited<ReturnType<typeof createOrg>>;

beforeAll(async () => {
  orgauth = await startOidcServer();
  mcp = await startMcpExample(orgauth);
  browser = await launchBrowser();
  const { db } = orgauth.stores;
  person = await createUser(db);
  orgA = await createOrg(db, person._id, 'Team Alpha');
  orgB = await createOrg(db, person._id, 'Team Beta');
  // An organization the person does not belong to, and one that allows approved apps only.
  elsewhere = await createOrg(db, (await createUser(db))._id, 'Someone Else');
  strict = await createOrg(db, (await createUser(db))._id, 'Strict Co');
  await addMemberAs(db, strict._id, person._id, 'member');
  await setAppPolicy(db, strict._id, { clientPolicy: 'approved' });
});
afterAll(async () => {
  await browser?.cleanup();
  await mcp?.close();
  await orgauth?.close();
});

/** Signs in at the authorization URL and answers the consent page's organization choices (or its refusal). */
async function openConsent(page: Page, url: URL) {
  await page.goto(url.href);
  const email = page.getByLabel('Email');
  if (await email.isVisible().catch(() => false)) {
    await email.fill(person.email);
    await page.getByLabel('Password').fill(TEST_PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
  }
  // The consent page's organization choice, or the refusal page.
  await Promise.race([page.getByLabel('Organization').waitFor(), page.getByRole('alert').waitFor()]);
}

describe('an MCP server with one URL per organization', () => {
  it('describes each organization’s URL in its protected-resource metadata (RFC 9728 §3.3)', async () => {
    const url = mcp.urlFor(orgB._id);
    const metadata = await (await fetch(new URL(`/.well-known/oauth-protected-resource${url.pathname}`, url))).json();
    expect(metadata).toMatchObject({ resource: url.href, authorization_servers: [orgauth.issuer] });
  });

  it('authorizes the SDK client in the organization its URL names, and nowhere else', async () => {
    const oauth = new InMemoryOAuthProvider(REDIRECT);
    const urlB = mcp.urlFor(orgB._id);
    const transport = await firstTry(oauth, urlB);
    expect(oauth.authorizationUrl?.searchParams.get('resource')).toBe(urlB.href);

    const page = await browser.newPage();
    await openConsent(page, oauth.authorizationUrl as URL);
    // The person belongs to both organizations; the URL they added decides: only Team Beta is offered.
    const offered = await page.getByLabel('Organization').locator('option').allTextContents();
    expect(offered).toEqual(['Team Beta']);
    expect(await page.getByText('Set by the server URL added to the app').textContent()).toContain(urlB.href);
    await finishSignIn(page, oauth, transport, person);
    const accessToken = oauth.savedTokens?.access_token ?? '';
    expect(decodeJwt(accessToken)).toMatchObject({ aud: urlB.href, org_id: orgB._id });
    expect(await callWhoami(oauth, urlB)).toMatchObject({ orgId: orgB._id });

    // At another organization's URL the token is for another resource: 401, so the client authorizes again.
    const urlA = mcp.urlFor(orgA._id);
    const refused = await bearerCall(urlA, accessToken);
    expect(refused.status).toBe(401);
    const challenge = refused.headers.get('www-authenticate') ?? '';
    expect(challenge).toContain('error="invalid_token"');
    expect(challenge).toContain(
      `resource_metadata="${new URL(`/.well-known/oauth-protected-resource${urlA.pathname}`, urlA).href}"`,
    );

    // Authorizing again for A in the same browser gives A's own grant; B's token keeps working at B.
    const forA = new InMemoryOAuthProvider(REDIRECT);
    forA.saveClientInformation(oauth.client ?? { client_id: '' });
    const transportA = await firstTry(forA, urlA);
    await openConsent(page, forA.authorizationUrl as URL);
    expect(await page.getByLabel('Organization').locator('option').allTextContents()).toEqual(['Team Alpha']);
    await finishSignIn(page, forA, transportA, person);
    expect(decodeJwt(forA.savedTokens?.access_token ?? '')).toMatchObject({ aud: urlA.href, org_id: orgA._id });
    expect(await callWhoami(forA, urlA)).toMatchObject({ orgId: orgA._id });
    expect((await bearerCall(urlB, accessToken)).status).toBe(200);

    // A refresh that names another organization's URL of the same server is refused.
    const { token_endpoint } = await (await fetch(`${orgauth.issuer}/.well-known/openid-configuration`)).json();
    const moved = await fetch(token_endpoint, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        grant_type: 'refresh_token',
        refresh_token: oauth.savedTokens?.refresh_token ?? '',
        client_id: oauth.client?.client_id ?? '',
        resource: urlA.href,
      }),
    });
    expect(moved.status).toBe(400);
    expect(await moved.json()).toMatchObject({ error: 'invalid_target' });
    await page.close();
  });

  it('refuses with a page when the person is not a member of the organization the URL names', async () => {
    const oauth = new InMemoryOAuthProvider(REDIRECT);
    await firstTry(oauth, mcp.urlFor(elsewhere._id));
    const page = await browser.newPage();
    await openConsent(page, oauth.authorizationUrl as URL);
    await expect(page.getByRole('heading').first().textContent()).resolves.toBe(
      'You cannot authorize this app for this organization',
    );
    expect(await page.getByRole('alert').textContent()).toContain('an organization you are not a member of');
    expect(await page.getByLabel('Organization').count()).toBe(0);
    await page.close();
  });

  it('refuses with a page when the organization the URL names does not allow the app', async () => {
    const oauth = new InMemoryOAuthProvider(REDIRECT);
    await firstTry(oauth, mcp.urlFor(strict._id));
    const page = await browser.newPage();
    await openConsent(page, oauth.authorizationUrl as URL);
    await expect(page.getByRole('heading').first().textContent()).resolves.toBe('Strict Co does not allow this app');
    expect(await page.getByRole('alert').textContent()).toContain('allows only approved apps');
    expect(await page.getByLabel('Organization').count()).toBe(0);
    await page.close();
  });
});
