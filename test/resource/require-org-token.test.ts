import { exportJWK, generateKeyPair, importJWK, type JWK, SignJWT } from 'jose';
import * as client from 'openid-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadSigningKeys } from '../../src/oidc/keys.js';
import { createResourceServer } from '../../src/resources/service.js';
import { createOrg, createUser } from '../support/factories.js';
import { eventually, SOON_MS } from '../support/harness.js';
import { createClient, relyingParty, startOidcServer } from '../support/oauth.js';
import { startResourceApp } from '../support/resource-app.js';

const API = 'https://things.orgauth.test/';
const OTHER = 'https://other-things.orgauth.test/';
const OPAQUE = 'https://opaque-things.orgauth.test/';

let orgauth: Awaited<ReturnType<typeof startOidcServer>>;
let resource: Awaited<ReturnType<typeof startResourceApp>>;
let opaqueResource: Awaited<ReturnType<typeof startResourceApp>>;
let orgId: string;
let otherOrgId: string;
let rp: client.Configuration;
let signingKey: JWK;

async function forge(claims: Record<string, unknown>, header: Record<string, unknown> = {}, key: JWK = signingKey) {
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({ client_id: 'cli_forged', scope: 'things:read', org_id: orgId, ...claims })
    .setProtectedHeader({ alg: 'RS256', typ: 'at+jwt', kid: key.kid, ...header } as never)
    .setIssuer((claims.iss as string) ?? orgauth.issuer)
    .setAudience((claims.aud as string) ?? API)
    .setSubject('usr_someone')
    .setIssuedAt(now)
    .setExpirationTime((claims.exp as number) ?? now + 300)
    .setJti(`jti-${Math.random()}`)
    .sign(await importJWK(key, 'RS256'));
}

async function expectRefused(response: Response, status: number, error: string | undefined) {
  expect(response.status).toBe(status);
  const challenge = response.headers.get('www-authenticate') ?? '';
  expect(challenge).toMatch(/^Bearer /);
  expect(challenge).toContain('resource_metadata="http://127.0.0.1:');
  if (error) expect(challenge).toContain(`error="${error}"`);
  else expect(challenge).not.toContain('error=');
  return (await response.json()) as Record<string, string>;
}

beforeAll(async () => {
  orgauth = await startOidcServer();
  const { db } = orgauth.stores;
  const owner = await createUser(db);
  orgId = (await createOrg(db, owner._id, 'Things Inc'))._id;
  otherOrgId = (await createOrg(db, owner._id, 'Other Inc'))._id;
  await createResourceServer(db, { uri: API, scopes: ['things:read', 'things:write'], format: 'jwt' });
  await createResourceServer(db, { uri: OTHER, scopes: ['things:read'], format: 'jwt' });
  await createResourceServer(db, { uri: OPAQUE, scopes: ['things:read'], format: 'opaque' });
  const worker = await createClient(orgauth.stores, orgauth.config, {
    orgId,
    name: 'Worker',
    grantTypes: ['client_credentials'],
  });
  rp = await relyingParty(orgauth.issuer, worker.client_id, worker.client_secret);
  const introspector = await createClient(orgauth.stores, orgauth.config, {
    orgId,
    name: 'Things API',
    grantTypes: ['client_credentials'],
  });
  [signingKey] = (await loadSigningKeys(db, orgauth.config.secretKey)).keys as [JWK];
  resource = await startResourceApp({ issuer: orgauth.issuer, audience: API, scopes: ['things:read'] });
  opaqueResource = await startResourceApp({
    issuer: orgauth.issuer,
    audience: OPAQUE,
    scopes: ['things:read'],
    introspection: { clientId: introspector.client_id, clientSecret: introspector.client_secret ?? '' },
  });
});
afterAll(async () => {
  await resource?.close();
  await opaqueResource?.close();
  await orgauth?.close();
});

describe('requireOrgToken', () => {
  it('accepts a JWT of the request’s organization and tells who calls', async () => {
    const { access_token } = await client.clientCredentialsGrant(rp, { resource: API, scope: 'things:read' });
    const response = await resource.call(orgId, `Bearer ${access_token}`);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({
      auth: {
        sub: rp.clientMetadata().client_id,
        orgId,
        clientId: rp.clientMetadata().client_id,
        scopes: ['things:read'],
        kind: 'jwt',
      },
    });
  });

  it('accepts an opaque token through introspection with the resource’s credentials', async () => {
    const { access_token } = await client.clientCredentialsGrant(rp, { resource: OPAQUE, scope: 'things:read' });
    const response = await opaqueResource.call(orgId, `Bearer ${access_token}`);
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ auth: { orgId, kind: 'opaque', scopes: ['things:read'] } });
    expect((await opaqueResource.call(orgId, `Bearer ${access_token}`)).status).toBe(200);
  });

  it('asks for a token when there is none', async () => {
    await expectRefused(await resource.call(orgId), 401, undefined);
  });

  it('refuses a token of another organization with 401 invalid_token, so clients authorize again there', async () => {
    const { access_token } = await client.clientCredentialsGrant(rp, { resource: API, scope: 'things:read' });
    const body = await expectRefused(await resource.call(otherOrgId, `Bearer ${access_token}`), 401, 'invalid_token');
    expect(body.error_description).toContain('another organization');
  });

  it('refuses a token for another audience', async () => {
    const { access_token } = await client.clientCredentialsGrant(rp, { resource: OTHER, scope: 'things:read' });
    await expectRefused(await resource.call(orgId, `Bearer ${access_token}`), 401, 'invalid_token');
  });

  it('refuses a token missing the required scope, naming it', async () => {
    const token = await forge({ scope: 'things:write' });
    await expectRefused(await resource.call(orgId, `Bearer ${token}`), 403, 'insufficient_scope');
  });

  it('refuses another issuer, an expired token, and a token with no organization', async () => {
    await expectRefused(
      await resource.call(orgId, `Bearer ${await forge({ iss: 'https://evil.example' })}`),
      401,
      'invalid_token',
    );
    const expired = await forge({ exp: Math.floor(Date.now() / 1000) - 60 });
    const body = await expectRefused(await resource.call(orgId, `Bearer ${expired}`), 401, 'invalid_token');
    expect(body.error_description).toContain('expired');
    await expectRefused(
      await resource.call(orgId, `Bearer ${await forge({ org_id: undefined })}`),
      401,
      'invalid_token',
    );
  });

  it('keeps checking expiry, organization and scope for a JWT it has already verified', async () => {
    const strict = await startResourceApp({
      issuer: orgauth.issuer,
      audience: API,
      scopes: ['things:read'],
      clockToleranceSeconds: 0,
    });
    try {
      const token = await forge({ exp: Math.floor(Date.now() / 1000) + 2 });
      expect((await strict.call(orgId, `Bearer ${token}`)).status).toBe(200);
      expect((await strict.call(orgId, `Bearer ${token}`)).status).toBe(200);
      await expectRefused(await strict.call(otherOrgId, `Bearer ${token}`), 401, 'invalid_token');
      await eventually(
        async () => {
          const response = await strict.call(orgId, `Bearer ${token}`);
          if (response.status !== 401) throw new Error(`still ${response.status}`);
          await expectRefused(response, 401, 'invalid_token');
        },
        { timeoutMs: SOON_MS },
      );
    } finally {
      await strict.close();
    }
  });

  it('refuses alg none, HS256 signed with the public key, and an unknown kid', async () => {
    const b64 = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
    const now = Math.floor(Date.now() / 1000);
    const payload = {
      iss: orgauth.issuer,
      aud: API,
      sub: 'usr_x',
      client_id: 'c',
      org_id: orgId,
      scope: 'things:read',
      iat: now,
      exp: now + 60,
    };
    const none = `${b64({ alg: 'none', typ: 'at+jwt' })}.${b64(payload)}.`;
    await expectRefused(await resource.call(orgId, `Bearer ${none}`), 401, 'invalid_token');

    const { d, p, q, dp, dq, qi, ...publicJwk } = signingKey as Record<string, string>;
    const hs = await new SignJWT(payload)
      .setProtectedHeader({ alg: 'HS256', typ: 'at+jwt', kid: signingKey.kid })
      .sign(new TextEncoder().encode(JSON.stringify(publicJwk)));
    await expectRefused(await resource.call(orgId, `Bearer ${hs}`), 401, 'invalid_token');

    const stranger = await generateKeyPair('RS256', { extractable: true });
    const strangerJwk = { ...(await exportJWK(stranger.privateKey)), kid: 'unknown-kid' };
    await expectRefused(await resource.call(orgId, `Bearer ${await forge({}, {}, strangerJwk)}`), 401, 'invalid_token');
  });

  it('refuses garbage and oversized headers without a 500', async () => {
    for (const header of [
      'Bearer',
      'Bearer !!!',
      'Bearer a.b.c',
      'Basic dXNlcjpwYXNz',
      `Bearer ${'x'.repeat(10_240)}`,
      'Bearer a b',
    ]) {
      const response = await resource.call(orgId, header);
      expect(response.status).toBe(401);
      expect(response.headers.get('www-authenticate')).toContain('error="invalid_token"');
    }
  });
});
