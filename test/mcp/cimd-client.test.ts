import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { approve, setAppPolicy } from '../../src/orgs/approvals.js';
import { blockHost, unblockHost } from '../../src/orgs/blocked-hosts.js';
import { captureCallback, launchBrowser } from '../support/browser.js';
import { startDocumentServer } from '../support/document-server.js';
import { createOrg, createUser, TEST_PASSWORD } from '../support/factories.js';
import { bearerCall, callWhoami, firstTry, InMemoryOAuthProvider, startMcpExample } from '../support/mcp.js';
import { startOidcServer } from '../support/oauth.js';

const REDIRECT = 'http://127.0.0.1:5997/callback';
const DOCUMENT_PATH = '/oauth/mcp-client.json';

/** An MCP client that identifies itself with a client ID metadata document instead of registering. */
class DocumentOAuthProvider extends InMemoryOAuthProvider {
  constructor(
    redirect: string,
    readonly clientMetadataUrl: string,
  ) {
    super(redirect);
  }
}

let docs: Awaited<ReturnType<typeof startDocumentServer>>;
let orgauth: Awaited<ReturnType<typeof startOidcServer>>;
let mcp: Awaited<ReturnType<typeof startMcpExample>>;
let browser: Awaited<ReturnType<typeof launchBrowser>>;
let person: Awaited<ReturnType<typeof createUser>>;
let orgA: Awaited<ReturnType<typeof createOrg>>;
let orgB: Awaited<ReturnType<typeof createOrg>>;

beforeAll(async () => {
  docs = await startDocumentServer();
  // Development setting: the document lives on loopback, served with a certificate made for this run.
  orgauth = await startOidcServer({ CIMD_ALLOW_PRIVATE_HOSTS: 'true', CIMD_EXTRA_CA_FILE: docs.caFile });
  mcp = await startMcpExample(orgauth);
  browser = await launchBrowser();
  person = await createUser(orgauth.stores.db);
  orgA = await createOrg(orgauth.stores.db, person._id, 'Team Alpha');
  orgB = await createOrg(orgauth.stores.db, person._id, 'Team Beta');
  docs.serveJson(DOCUMENT_PATH, {
    client_id: docs.urlFor(DOCUMENT_PATH),
    client_name: 'Document MCP Client',
    redirect_uris: [REDIRECT],
    grant_types: ['authorization_code', 'refresh_token'],
    response_types: ['code'],
    token_endpoint_auth_method: 'none',
  });
});
afterAll(async () => {
  await browser?.cleanup();
  await mcp?.close();
  await orgauth?.close();
  await docs?.close();
});

describe('an MCP client identified by a client ID metadata document', () => {
  it('is authorized for the organization picked at consent, calls a tool there, and is refused elsewhere', async () => {
    const clientId = docs.urlFor(DOCUMENT_PATH);
    const oauth = new DocumentOAuthProvider(REDIRECT, clientId);
    const transport = await firstTry(oauth, mcp.urlFor(orgB._id));
    // Discovery advertised documents, so the SDK used its URL as client id and did not register.
    expect(oauth.client?.client_id).toBe(clientId);
    expect(oauth.authorizationUrl?.searchParams.get('client_id')).toBe(clientId);
    expect(await orgauth.stores.db.connection.collection('oidc_Client').countDocuments()).toBe(0);

    const page = await browser.newPage();
    const callback = captureCallback(page, REDIRECT);
    await page.goto((oauth.authorizationUrl as URL).href);
    await page.getByLabel('Email').fill(person.email);
    await page.getByLabel('Password').fill(TEST_PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByLabel('Organization').waitFor();
    const origin = page.locator('dl.app-origin');
    await expect(origin.textContent()).resolves.toContain(`127.0.0.1:${docs.port}`);
    await expect(origin.textContent()).resolves.toContain('127.0.0.1:5997');
    await expect(page.getByRole('note').textContent()).resolves.toMatch(/only returns to programs on this computer/);
    await page.getByLabel('Organization').selectOption({ label: 'Team Beta' });
    await page.getByRole('button', { name: 'Allow' }).click();
    const code = (await callback).searchParams.get('code');
    expect(code).toBeTruthy();
    await transport.finishAuth(code ?? '');
    expect(oauth.savedTokens?.access_token).toBeTruthy();

    expect(await callWhoami(oauth, mcp.urlFor(orgB._id))).toMatchObject({ orgId: orgB._id, sub: person._id });

    const elsewhere = await bearerCall(mcp.urlFor(orgA._id), oauth.savedTokens?.access_token ?? '');
    expect([401, 403]).toContain(elsewhere.status);
    expect(elsewhere.headers.get('www-authenticate')).toContain('resource_metadata=');
    // Still nothing registered: the document is the registration, fetched once and cached.
    expect(await orgauth.stores.db.connection.collection('oidc_Client').countDocuments()).toBe(0);
    expect(docs.hits(DOCUMENT_PATH)).toBe(1);
  });

  it('follows the organization’s app policy: approved by its URL, refused when its host is blocked', async () => {
    const clientId = docs.urlFor(DOCUMENT_PATH);
    const { db } = orgauth.stores;
    const strict = await createOrg(db, person._id, 'Team Strict');
    await setAppPolicy(db, strict._id, { clientPolicy: 'approved' });
    const url = new URL(`${orgauth.issuer}/auth`);
    url.search = new URLSearchParams({
      client_id: clientId,
      response_type: 'code',
      redirect_uri: REDIRECT,
      scope: 'openid',
      code_challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM',
      code_challenge_method: 'S256',
    }).toString();

    const page = await browser.newPage();
    const allowIn = async () => {
      await page.goto(url.href);
      if (await page.getByLabel('Email').isVisible()) {
        await page.getByLabel('Email').fill(person.email);
        await page.getByLabel('Password').fill(TEST_PASSWORD);
        await page.getByRole('button', { name: 'Sign in' }).click();
      }
      await page.getByLabel('Organization').selectOption({ label: 'Team Strict' });
      await page.getByRole('button', { name: 'Allow' }).click();
    };

    await allowIn();
    await expect(page.getByRole('alert').textContent()).resolves.toMatch(/allows only approved apps/);

    await approve(db, strict._id, 'client', clientId, person._id);
    await blockHost(db, strict._id, '127.0.0.1', person._id);
    await allowIn();
    await expect(page.getByRole('alert').textContent()).resolves.toMatch(
      /does not allow apps published on 127\.0\.0\.1/,
    );

    await unblockHost(db, strict._id, '127.0.0.1');
    const callback = captureCallback(page, REDIRECT);
    await allowIn();
    expect((await callback).searchParams.get('code')).toBeTruthy();
    await page.close();
  });
});
