import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createResourceServer } from '../../src/resources/service.js';
import { launchBrowser } from '../support/browser.js';
import { DESKTOP, expectAccessible } from '../support/console.js';
import { createUser, TEST_PASSWORD, uniqueEmail } from '../support/factories.js';
import { createClient, relyingParty, startAuthorization, startOidcServer } from '../support/oauth.js';

/** The consent page every end user sees: each permission said once, with the server it is for. */
const MCP = 'https://mcp.consent.test/';
const REDIRECT = 'http://127.0.0.1:9/callback';
let server: Awaited<ReturnType<typeof startOidcServer>>;
let browser: Browser & { cleanup(): Promise<void> };
let page: Page;
const email = uniqueEmail('consent');

beforeAll(async () => {
  server = await startOidcServer();
  await createUser(server.stores.db, { email, name: 'Consent Person' });
  await createResourceServer(server.stores.db, { uri: MCP, scopes: ['mcp:tools', 'mcp:prompts'], format: 'jwt' });
  browser = await launchBrowser();
  page = await (await browser.newContext({ baseURL: server.url, viewport: DESKTOP })).newPage();
  page.setDefaultTimeout(8000);
});
afterAll(async () => {
  await browser?.cleanup();
  await server?.close();
});

async function consentFor(scope: string) {
  const { client_id } = await createClient(server.stores, server.config, {
    name: 'Claude Code',
    redirectUris: [REDIRECT],
    public: true,
  });
  const rp = await relyingParty(server.issuer, client_id);
  const { url } = await startAuthorization(rp, { redirectUri: REDIRECT, scope, resource: MCP });
  await page.goto(url.href);
  if (await page.getByLabel('Password').count()) {
    await page.getByLabel('Email').fill(email);
    await page.getByLabel('Password').fill(TEST_PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
  }
  await page.getByRole('heading', { name: 'Authorize Claude Code' }).waitFor();
  return (await page.locator('ul.scopes li').allTextContents()).map((line) => line.trim());
}

describe('the consent page', () => {
  it('names a resource permission once, with the server it is for, and no stray line', async () => {
    const lines = await consentFor('openid mcp:tools');
    expect(lines).toEqual(['Confirm who you are', `Use the “mcp:tools” permission on ${MCP}`]);
    const main = (await page.locator('main').textContent()) ?? '';
    expect(main.split(MCP).length - 1).toBe(1);
    await expectAccessible(page);
  });

  it('says several permissions of one server in one line', async () => {
    const lines = await consentFor('openid email mcp:tools mcp:prompts');
    expect(lines).toEqual([
      'Confirm who you are',
      'See your email address',
      `Use the “mcp:tools” and “mcp:prompts” permissions on ${MCP}`,
    ]);
  });
});
