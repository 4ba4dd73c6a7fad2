import { decodeJwt } from 'jose';
import * as client from 'openid-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { orgWithRoles, platformClient } from '../support/api.js';
import { createClient, relyingParty, startOidcServer } from '../support/oauth.js';

let server: Awaited<ReturnType<typeof startOidcServer>>;

beforeAll(async () => {
  server = await startOidcServer();
});
afterAll(() => server?.close());

const uniqueHost = (label: string) => `https://${label}-${Date.now().toString(36)}.example.com`;

describe('resource servers with one URL per organization, through the admin API', () => {
  it('register a platform-wide base with an organization path, and tokens of its URLs belong to the organization they name', async () => {
    const { db } = server.stores;
    const platform = await platformClient(db, server.url);
    const base = `${uniqueHost('mcp')}/`;
    const created = await platform('POST', '/resource-servers', {
      uri: base,
      orgPath: '/orgs/{orgId}/',
      scopes: ['mcp:tools'],
    });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ uri: base, orgId: null, match: 'prefix', orgPath: '/orgs/{orgId}/' });

    const acme = await orgWithRoles(db, server.url, 'Per-URL Co');
    const other = await orgWithRoles(db, server.url, 'Other Co');
    const worker = await createClient(server.stores, server.config, {
      orgId: acme.org._id,
      name: 'Worker',
      grantTypes: ['client_credentials'],
    });
    const rp = await relyingParty(server.issuer, worker.client_id, worker.client_secret);
    const own = `${base}orgs/${acme.org._id}/mcp`;
    const { access_token } = await client.clientCredentialsGrant(rp, { resource: own, scope: 'mcp:tools' });
    expect(decodeJwt(access_token)).toMatchObject({ aud: own, org_id: acme.org._id });

    const refusal = client.clientCredentialsGrant(rp, { resource: `${base}orgs/${other.org._id}/mcp` });
    await expect(refusal).rejects.toMatchObject({ error: 'invalid_target' });
    // An exact registration keeps its own rules: the pathless form without the slash is the same resource.
    const exact = uniqueHost('exact');
    await platform('POST', '/resource-servers', { uri: `${exact}/`, scopes: ['read'] });
    const slashless = await client.clientCredentialsGrant(rp, { resource: exact, scope: 'read' });
    expect(decodeJwt(slashless.access_token)).toMatchObject({ aud: `${exact}/`, org_id: acme.org._id });
    await expect(client.clientCredentialsGrant(rp, { resource: `${exact}/v1` })).rejects.toMatchObject({
      error: 'invalid_target',
    });
    // A URL under the base that does not name an organization where the template says is not a resource.
    await expect(client.clientCredentialsGrant(rp, { resource: `${base}elsewhere/mcp` })).rejects.toMatchObject({
      error: 'invalid_target',
    });
  });

  it('accept URLs under a base as soon as it is registered, and no longer once it is deleted', async () => {
    const acme = await orgWithRoles(server.stores.db, server.url, 'Cache Co');
    const worker = await createClient(server.stores, server.config, {
      orgId: acme.org._id,
      name: 'Worker',
      grantTypes: ['client_credentials'],
    });
    const rp = await relyingParty(server.issuer, worker.client_id, worker.client_secret);
    const base = `${uniqueHost('later')}/api/`;
    const url = `${base}orgs/${acme.org._id}/things`;
    // Resolved (and remembered) as unknown first, then registered: the remembered answer is forgotten.
    await expect(client.clientCredentialsGrant(rp, { resource: url })).rejects.toMatchObject({
      error: 'invalid_target',
    });
    const path = `/orgs/${acme.org._id}/resource-servers`;
    expect((await acme.as.admin('POST', path, { uri: base, orgPath: 'orgs/{orgId}', scopes: ['read'] })).status).toBe(
      201,
    );
    const { access_token } = await client.clientCredentialsGrant(rp, { resource: url, scope: 'read' });
    expect(decodeJwt(access_token)).toMatchObject({ aud: url, org_id: acme.org._id });
    expect((await acme.as.admin('DELETE', `${path}?uri=${encodeURIComponent(base)}`)).status).toBe(204);
    await expect(client.clientCredentialsGrant(rp, { resource: url })).rejects.toMatchObject({
      error: 'invalid_target',
    });
  });

  it('register an organization’s own base, listed with how it matches, and refuse a template without {orgId}', async () => {
    const acme = await orgWithRoles(server.stores.db, server.url, 'Base Co');
    const path = `/orgs/${acme.org._id}/resource-servers`;
    const base = `${uniqueHost('api')}/v1/`;
    const created = await acme.as.admin('POST', path, { uri: base, match: 'prefix', scopes: ['read'] });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ uri: base, orgId: acme.org._id, match: 'prefix', orgPath: null });
    const listed = await acme.as.admin<{ items: unknown[] }>('GET', path);
    expect(listed.body.items).toEqual([expect.objectContaining({ uri: base, match: 'prefix' })]);

    const bad = await acme.as.admin('POST', path, { uri: `${base}x/`, orgPath: '/orgs/', scopes: [] });
    expect(bad.status).toBe(400);
    expect(JSON.stringify(bad.body)).toContain('{orgId}');
    const exact = await acme.as.admin('POST', path, { uri: `${base}y/`, match: 'exact', orgPath: '/o/{orgId}/' });
    expect(exact.status).toBe(400);
    // Registering a base is an administrator's decision, not a member's.
    expect((await acme.as.member('POST', path, { uri: `${base}z/`, match: 'prefix' })).status).toBe(403);
    // Platform-wide registration needs a platform credential.
    expect((await acme.as.owner('POST', '/resource-servers', { uri: `${base}p/` })).status).toBe(403);
  });
});
