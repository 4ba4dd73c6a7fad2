import { decodeJwt } from 'jose';
import * as client from 'openid-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createResourceServer } from '../../src/resources/service.js';
import { findUserByEmail } from '../../src/users/service.js';
import { captureCallback, launchBrowser } from '../support/browser.js';
import { expectAccessible, screenshots } from '../support/console.js';
import { createUser, uniqueEmail } from '../support/factories.js';
import { createClient, relyingParty, startAuthorization, startOidcServer } from '../support/oauth.js';

const REDIRECT = 'http://127.0.0.1:5992/callback';
const API = 'https://tools.orgauth.test/mcp';

let server: Awaited<ReturnType<typeof startOidcServer>>;
let browser: Awaited<ReturnType<typeof launchBrowser>>;
let rp: client.Configuration;

beforeAll(async () => {
  server = await startOidcServer();
  browser = await launchBrowser();
  await createResourceServer(server.stores.db, { uri: API, scopes: ['tools:call'], format: 'jwt' });
  const tool = await createClient(server.stores, server.config, { name: 'MCP Inspector', redirectUris: [REDIRECT] });
  rp = await relyingParty(server.issuer, tool.client_id, tool.client_secret);
});
afterAll(async () => {
  await browser?.cleanup();
  await server?.close();
});

describe('creating an account in the middle of signing in to an app', () => {
  it('signs the new person up, keeps what they typed when a field is wrong, and goes on to consent', {
    timeout: 60_000,
  }, async () => {
    const taken = await createUser(server.stores.db);
    const email = uniqueEmail('newcomer');
    const page = await browser.newPage();
    const callback = captureCallback(page, REDIRECT);
    const { url, checks } = await startAuthorization(rp, {
      redirectUri: REDIRECT,
      scope: 'openid tools:call',
      resource: API,
    });
    await page.goto(url.href);
    await page.getByRole('link', { name: 'Create an account' }).click();
    await expect(page.getByRole('heading', { name: 'Create your account' }).isVisible()).resolves.toBe(true);
    expect(await page.textContent('body')).toContain('MCP Inspector');

    await page.getByLabel('Name').fill('Nia Newcomer');
    await page.getByLabel('Email').fill(email);
    await page.getByLabel('Password', { exact: true }).fill('a long enough password');
    await page.getByLabel('Confirm password').fill('a different password');
    await page.getByRole('button', { name: 'Create account' }).click();
    await page.getByText('does not match the password').waitFor();
    expect(await page.getByLabel('Email').inputValue()).toBe(email);
    expect(await page.getByLabel('Name').inputValue()).toBe('Nia Newcomer');
    await expectAccessible(page);
    await screenshots(page, 'oauth-sign-up-with-errors');

    await page.getByLabel('Email').fill(taken.email);
    await page.getByLabel('Password', { exact: true }).fill('a long enough password');
    await page.getByLabel('Confirm password').fill('a long enough password');
    await page.getByRole('button', { name: 'Create account' }).click();
    await page.getByText('is already registered').waitFor();

    await page.getByLabel('Email').fill(email);
    await page.getByLabel('Password', { exact: true }).fill('a long enough password');
    await page.getByLabel('Confirm password').fill('a long enough password');
    await page.getByRole('button', { name: 'Create account' }).click();
    await page.getByLabel('Organization').waitFor();
    await page.getByRole('button', { name: 'Allow' }).click();

    const tokens = await client.authorizationCodeGrant(rp, await callback, checks, { resource: API });
    const person = await findUserByEmail(server.stores.db, email);
    expect(person).toMatchObject({ name: 'Nia Newcomer' });
    expect(decodeJwt(tokens.access_token)).toMatchObject({ sub: person?._id, org_id: person?.personalOrgId });
  });

  it('refuses a sign-up form that was not sent from its page', async () => {
    const { url } = await startAuthorization(rp, { redirectUri: REDIRECT, scope: 'openid' });
    const started = await fetch(url, { redirect: 'manual' });
    const interaction = started.headers.get('location') ?? '';
    const cookie = started.headers
      .getSetCookie()
      .map((c) => c.split(';')[0])
      .join('; ');
    const email = uniqueEmail('forged');
    const answer = await fetch(new URL(`${interaction}/signup`, server.issuer), {
      method: 'POST',
      headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ csrf: 'forged', email, password: 'a long enough password' }).toString(),
    });
    expect(answer.status).toBe(403);
    expect(await findUserByEmail(server.stores.db, email)).toBeNull();
  });
});
