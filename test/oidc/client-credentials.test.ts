import { createRemoteJWKSet, jwtVerify } from 'jose';
import * as client from 'openid-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createResourceServer } from '../../src/resources/service.js';
import { createOrg, createUser } from '../support/factories.js';
import { createClient, relyingParty, startOidcServer } from '../support/oauth.js';

const API = 'https://billing.orgauth.test/api';
const OTHER_API = 'https://other.orgauth.test/api';
const OPAQUE_API = 'https://usage.orgauth.test/api';

let server: Awaited<ReturnType<typeof startOidcServer>>;
let orgId: string;
let elsewhereId: string;
let rp: client.Configuration;
let registered: { client_id: string; client_secret?: string };

beforeAll(async () => {
  server = await startOidcServer();
  const owner = await createUser(server.stores.db);
  orgId = (await createOrg(server.stores.db, owner._id, 'Machines Inc'))._id;
  const otherOrg = await createOrg(server.stores.db, owner._id, 'Elsewhere');
  elsewhereId = otherOrg._id;
  await createResourceServer(server.stores.db, { uri: OPAQUE_API, scopes: ['usage:write'], format: 'opaque', orgId });
  await createResourceServer(server.stores.db, { uri: API, scopes: ['usage:write'], format: 'jwt', orgId });
  await createResourceServer(server.stores.db, { uri: OTHER_API, scopes: ['x'], format: 'jwt', orgId: otherOrg._id });
  registered = await createClient(server.stores, server.config, {
    orgId,
    name: 'Nightly job',
    grantTypes: ['client_credentials'],
    scope: 'usage:write',
  });
  rp = await relyingParty(server.issuer, registered.client_id, registered.client_secret);
});
afterAll(() => server?.close());

describe('client credentials of an org-owned client', () => {
  it('issue JWT access tokens carrying the client’s organization', async () => {
    const tokens = await client.clientCredentialsGrant(rp, { resource: API, scope: 'usage:write' });
    const jwks = createRemoteJWKSet(new URL(`${server.issuer}/jwks`));
    const { payload } = await jwtVerify(tokens.access_token, jwks, {
      issuer: server.issuer,
      audience: API,
      typ: 'at+jwt',
    });
    expect(payload).toMatchObject({ org_id: orgId, client_id: registered.client_id, scope: 'usage:write' });
    const record = await server.stores.db.connection.collection('issued_tokens').findOne({ _id: payload.jti as never });
    expect(record).toMatchObject({ orgId, clientId: registered.client_id, kind: 'ClientCredentials', format: 'jwt' });
  });

  it('can be introspected by a resource client of the same organization, never by another organization', async () => {
    const tokens = await client.clientCredentialsGrant(rp, { scope: 'usage:write', resource: OPAQUE_API });
    const sameOrg = await createClient(server.stores, server.config, {
      orgId,
      name: 'Usage API',
      grantTypes: ['client_credentials'],
    });
    const otherOrg = await createClient(server.stores, server.config, {
      orgId: elsewhereId,
      name: 'Spy',
      grantTypes: ['client_credentials'],
    });
    const asSameOrg = await relyingParty(server.issuer, sameOrg.client_id, sameOrg.client_secret);
    const asOtherOrg = await relyingParty(server.issuer, otherOrg.client_id, otherOrg.client_secret);
    expect(await client.tokenIntrospection(asSameOrg, tokens.access_token)).toMatchObject({
      active: true,
      org_id: orgId,
    });
    expect(await client.tokenIntrospection(asOtherOrg, tokens.access_token)).toEqual({ active: false });
    await client.tokenRevocation(asOtherOrg, tokens.access_token).catch(() => undefined);
    expect(await client.tokenIntrospection(rp, tokens.access_token)).toMatchObject({ active: true });
  });

  it('refuse a resource owned by another organization', async () => {
    await expect(client.clientCredentialsGrant(rp, { resource: OTHER_API, scope: 'x' })).rejects.toMatchObject({
      error: 'invalid_target',
    });
  });

  it('refuse a wrong secret, and never store the secret in clear', async () => {
    const wrong = await relyingParty(server.issuer, registered.client_id, 'not-the-secret');
    const error = (await client.clientCredentialsGrant(wrong, { resource: API }).catch((e: unknown) => e)) as {
      status?: number;
      cause?: Array<{ parameters: { error?: string } }>;
    };
    expect(error.status).toBe(401);
    expect(error.cause?.[0]?.parameters.error).toBe('invalid_client');
    const stored = await server.stores.db.connection
      .collection('oidc_Client')
      .findOne({ _id: registered.client_id as never });
    expect(JSON.stringify(stored)).not.toContain(registered.client_secret);
  });

  it('accept the secret in the request body as well (client_secret_post)', async () => {
    const post = await client.discovery(
      new URL(server.issuer),
      registered.client_id,
      undefined,
      client.ClientSecretPost(registered.client_secret),
      { execute: [client.allowInsecureRequests] },
    );
    const tokens = await client.clientCredentialsGrant(post, { resource: API });
    expect(tokens.access_token).toBeTruthy();
  });
});
