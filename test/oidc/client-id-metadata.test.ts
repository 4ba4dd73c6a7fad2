import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../src/stores/local/processes.js';
import { startDocumentServer } from '../support/document-server.js';
import { startOidcServer } from '../support/oauth.js';

const REDIRECT = 'http://127.0.0.1:5981/callback';
const CHALLENGE = 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM';

let docs: Awaited<ReturnType<typeof startDocumentServer>>;
let orgauth: Awaited<ReturnType<typeof startOidcServer>>;

beforeAll(async () => {
  docs = await startDocumentServer();
  orgauth = await startOidcServer({ CIMD_ALLOW_PRIVATE_HOSTS: 'true', CIMD_EXTRA_CA_FILE: docs.caFile });
});
afterAll(async () => {
  await orgauth?.close();
  await docs?.close();
});

const documentFor = (path: string, extra: Record<string, unknown> = {}) => ({
  client_id: docs.urlFor(path),
  client_name: 'Document Client',
  redirect_uris: [REDIRECT],
  grant_types: ['authorization_code', 'refresh_token'],
  response_types: ['code'],
  token_endpoint_auth_method: 'none',
  ...extra,
});

/** Starts an authorization as the client named by `clientId`; the server's answer, unfollowed. */
function authorize(server: { issuer: string }, clientId: string, redirectUri = REDIRECT) {
  const url = new URL(`${server.issuer}/auth`);
  url.search = new URLSearchParams({
    client_id: clientId,
    response_type: 'code',
    redirect_uri: redirectUri,
    scope: 'openid',
    code_challenge: CHALLENGE,
    code_challenge_method: 'S256',
    state: 'st',
  }).toString();
  return fetch(url, { redirect: 'manual' });
}

/** Nothing of the client was kept: no client record, no grant, no interaction. */
async function expectNothingStored(clientId: string) {
  const { connection } = orgauth.stores.db;
  expect(await connection.collection('oidc_Client').countDocuments({ _id: clientId as never })).toBe(0);
  expect(await connection.collection('grant_orgs').countDocuments({ clientId })).toBe(0);
  const keys = await orgauth.stores.redis.keys(`${orgauth.config.redisKeyPrefix}*Interaction*`);
  const interactions = keys.length ? await orgauth.stores.redis.mget(keys) : [];
  expect(interactions.filter((payload) => payload?.includes(clientId))).toEqual([]);
}

async function expectDocumentRefused(path: string, reason: RegExp, redirectUri = REDIRECT) {
  const clientId = docs.urlFor(path);
  const page = await authorize(orgauth, clientId, redirectUri);
  expect(page.status).toBeGreaterThanOrEqual(400);
  expect(page.headers.get('location')).toBeNull();
  expect(page.headers.get('content-type')).toContain('text/html');
  const html = await page.text();
  expect(html).toContain('could not be used');
  expect(html).toContain(`127.0.0.1:${docs.port}`);
  expect(html).toMatch(reason);
  await expectNothingStored(clientId);
}

describe('client ID metadata documents', () => {
  it('are advertised in both discovery documents', async () => {
    for (const path of ['/.well-known/openid-configuration', '/.well-known/oauth-authorization-server']) {
      const metadata = await (await fetch(`${orgauth.issuer}${path}`)).json();
      expect(metadata.client_id_metadata_document_supported).toBe(true);
    }
  });

  it('resolves an https client id by fetching its document, cached per its Cache-Control within bounds', async () => {
    docs.serveJson('/good.json', documentFor('/good.json'), { 'cache-control': 'max-age=600' });
    const first = await authorize(orgauth, docs.urlFor('/good.json'));
    expect(first.status).toBe(303);
    expect(first.headers.get('location')).toMatch(/\/interaction\//);
    const again = await authorize(orgauth, docs.urlFor('/good.json'));
    expect(again.status).toBe(303);
    expect(docs.hits('/good.json')).toBe(1);
    expect(
      await orgauth.stores.db.connection
        .collection('oidc_Client')
        .countDocuments({ _id: docs.urlFor('/good.json') as never }),
    ).toBe(0);
  });

  it('refuses a redirect URI the document does not list, exactly (no loopback port changes)', async () => {
    docs.serveJson('/listed.json', documentFor('/listed.json'));
    await expectDocumentRefused(
      '/listed.json',
      /do not list http:\/\/127\.0\.0\.1:5982\/callback/,
      'http://127.0.0.1:5982/callback',
    );
  });

  it('refuses an oversized document', async () => {
    docs.serveJson('/big.json', documentFor('/big.json', { padding: 'x'.repeat(20_000) }));
    await expectDocumentRefused('/big.json', /larger than 16 KiB/);
  });

  it('refuses a document whose client_id is another URL', async () => {
    docs.serveJson('/wrong-id.json', documentFor('/wrong-id.json', { client_id: docs.urlFor('/other.json') }));
    await expectDocumentRefused('/wrong-id.json', /client_id does not match/);
  });

  it('refuses a document that does not answer in time', async () => {
    let fetched = 0;
    docs.serve('/slow.json', (_req, res) => {
      fetched++;
      setTimeout(() => res.writeHead(200, { 'content-type': 'application/json' }).end('{}'), 5000).unref();
    });
    await expectDocumentRefused('/slow.json', /did not answer within 2\.5 s/);
    // Fetched once per request: oidc-provider's second look-up of the client does not wait again.
    expect(fetched).toBe(1);
  });

  it('refuses a document that cannot be reached', async () => {
    const closed = await freePort();
    const clientId = `https://127.0.0.1:${closed}/gone.json`;
    const page = await authorize(orgauth, clientId);
    expect(page.status).toBe(400);
    const html = await page.text();
    expect(html).toMatch(/could not be reached \(ECONNREFUSED\)/);
    await expectNothingStored(clientId);
  });

  it('refuses HTML instead of JSON', async () => {
    docs.serve('/page.html', (_req, res) => {
      res.writeHead(200, { 'content-type': 'text/html' }).end('<html><body>Sign in</body></html>');
    });
    await expectDocumentRefused('/page.html', /it is not JSON/);
  });

  it('refuses a missing document, a redirect, and a document asking for a shared secret', async () => {
    await expectDocumentRefused('/missing.json', /HTTP status 404/);
    docs.serve('/moved.json', (_req, res) => {
      res.writeHead(302, { location: 'https://elsewhere.example.test/doc.json' }).end();
    });
    await expectDocumentRefused('/moved.json', /redirect \(HTTP 302 to elsewhere\.example\.test\)/);
    docs.serveJson('/secret.json', documentFor('/secret.json', { token_endpoint_auth_method: 'client_secret_post' }));
    await expectDocumentRefused('/secret.json', /shared-secret/);
    docs.serveJson('/tls.json', documentFor('/tls.json', { token_endpoint_auth_method: 'tls_client_auth' }));
    await expectDocumentRefused('/tls.json', /must be none or private_key_jwt/);
    docs.serveJson('/jwt.json', documentFor('/jwt.json', { token_endpoint_auth_method: 'private_key_jwt' }));
    await expectDocumentRefused('/jwt.json', /private_key_jwt must name its jwks_uri/);
    docs.serveJson('/owner.json', documentFor('/owner.json', { first_party: true }));
    await expectDocumentRefused('/owner.json', /cannot set first_party/);
  });

  it('answers the token endpoint with an OAuth error and stores nothing', async () => {
    const clientId = docs.urlFor('/missing-too.json');
    const answer = await fetch(`${orgauth.issuer}/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        grant_type: 'authorization_code',
        client_id: clientId,
        code: 'x',
        redirect_uri: REDIRECT,
        code_verifier: 'v'.repeat(43),
      }),
    });
    expect([400, 401]).toContain(answer.status);
    expect(await answer.json()).toEqual({
      error: 'invalid_client',
      error_description: 'client_id metadata document fetch failed',
    });
    await expectNothingStored(clientId);
  });
});

describe('client ID metadata documents without the development setting', () => {
  let production: Awaited<ReturnType<typeof startOidcServer>>;
  beforeAll(async () => {
    production = await startOidcServer();
  });
  afterAll(async () => {
    await production?.close();
  });

  it('refuses documents on loopback or private addresses, by IP or by name', async () => {
    docs.serveJson('/private.json', documentFor('/private.json'));
    const before = docs.hits('/private.json');
    for (const clientId of [docs.urlFor('/private.json'), `https://localhost:${docs.port}/private.json`]) {
      const page = await authorize(production, clientId);
      expect(page.status).toBe(400);
      expect(await page.text()).toMatch(/resolves to (127\.0\.0\.1|::1), a private, loopback or reserved address/);
      await expectNothingStored(clientId);
    }
    expect(docs.hits('/private.json')).toBe(before);
  });
});
