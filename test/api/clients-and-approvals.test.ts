import { randomBytes } from 'node:crypto';
import { decodeJwt } from 'jose';
import * as client from 'openid-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { flushWritesBehind } from '../../src/stores/write-behind.js';
import { auditActions, everyPage, orgWithRoles } from '../support/api.js';
import { captureCallback, launchBrowser } from '../support/browser.js';
import { TEST_PASSWORD } from '../support/factories.js';
import { createClient, relyingParty, startAuthorization, startOidcServer } from '../support/oauth.js';

const PROBLEM = 'https://orgauth.dev/problems/';
const REDIRECT = 'http://127.0.0.1:5996/cb';
const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

interface Client {
  clientId: string;
  name: string | null;
  orgId: string | null;
  redirectUris: string[];
  grantTypes: string[];
  public: boolean;
  firstParty: boolean;
  scope: string;
  clientSecret?: string;
}
interface ResourceServer {
  uri: string;
  scopes: string[];
  orgId: string | null;
  format: 'jwt' | 'opaque';
  accessTokenTtl: number;
  createdAt: string;
}
interface Approval {
  ref: string;
  approvedBy: string;
  createdAt: string;
}
interface ConnectedApp {
  grantId: string;
  userId: string;
  clientId: string;
  clientName: string | null;
  scopes: string[];
  createdAt: string;
  lastUsedAt: string | null;
}
interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

let server: Awaited<ReturnType<typeof startOidcServer>>;
let browser: Awaited<ReturnType<typeof launchBrowser>>;

beforeAll(async () => {
  server = await startOidcServer();
  browser = await launchBrowser();
});
afterAll(async () => {
  await browser?.cleanup();
  await server?.close();
});

/** A resource indicator of this test's own (resource servers are global by URI). */
const uniqueResource = (label: string) => `https://${label}-${randomBytes(4).toString('hex')}.orgauth.test/api`;
const resourceQuery = (uri: string) => `?uri=${encodeURIComponent(uri)}`;

/** The OAuth error a token request ends with (body error, or the 401 challenge's). */
async function tokenError(request: Promise<unknown>) {
  const error = (await request.then(
    () => undefined,
    (e: unknown) => e,
  )) as { status?: number; error?: string; cause?: Array<{ parameters: { error?: string } }> } | undefined;
  return { status: error?.status, error: error?.error ?? error?.cause?.[0]?.parameters.error };
}

function expectProblem(answer: { status: number; body: unknown; headers: Headers }, status: number, code: string) {
  expect(answer.status).toBe(status);
  expect(answer.headers.get('content-type')).toContain('application/problem+json');
  expect(answer.body).toMatchObject({ type: `${PROBLEM}${code}`, status });
}

describe('organization clients', () => {
  it('show a confidential client’s secret once, and rotating it stops the old one at once', async () => {
    const { db } = server.stores;
    const acme = await orgWithRoles(db, server.url, 'Machines Co');
    const o = `/orgs/${acme.org._id}`;
    const jobs = uniqueResource('jobs');
    await acme.as.admin('POST', `${o}/resource-servers`, { uri: jobs, scopes: ['jobs:run'], format: 'opaque' });
    const created = await acme.as.admin<Client>('POST', `${o}/clients`, {
      name: 'Nightly job',
      grantTypes: ['client_credentials'],
      scope: 'jobs:run',
    });
    expect(created.status).toBe(201);
    const { clientSecret: secret, ...view } = created.body;
    expect(view).toEqual({
      clientId: expect.stringMatching(/^cli_/),
      name: 'Nightly job',
      orgId: acme.org._id,
      redirectUris: [],
      grantTypes: ['client_credentials'],
      public: false,
      firstParty: false,
      scope: 'jobs:run',
    });
    expect(secret).toEqual(expect.stringMatching(/^[A-Za-z0-9_-]{43}$/));
    const path = `${o}/clients/${view.clientId}`;

    const fetched = await acme.as.admin<Client>('GET', path);
    expect(fetched.body).toEqual(view);
    const listed = await acme.as.owner<Page<Client>>('GET', `${o}/clients`);
    expect(listed.body).toEqual({ items: [view], nextCursor: null });
    expect(JSON.stringify([fetched.body, listed.body])).not.toContain(secret);

    const rp = await relyingParty(server.issuer, view.clientId, secret);
    const tokens = await client.clientCredentialsGrant(rp, { resource: jobs, scope: 'jobs:run' });
    expect(await client.tokenIntrospection(rp, tokens.access_token)).toMatchObject({
      active: true,
      org_id: acme.org._id,
      client_id: view.clientId,
    });

    const rotated = await acme.as.admin<{ clientId: string; clientSecret: string }>('POST', `${path}/secret`);
    expect(rotated.status).toBe(200);
    expect(rotated.body).toEqual({ clientId: view.clientId, clientSecret: expect.any(String) });
    expect(rotated.body.clientSecret).not.toBe(secret);
    expect(await tokenError(client.clientCredentialsGrant(rp, { resource: jobs }))).toEqual({
      status: 401,
      error: 'invalid_client',
    });
    const rotatedRp = await relyingParty(server.issuer, view.clientId, rotated.body.clientSecret);
    expect((await client.clientCredentialsGrant(rotatedRp, { resource: jobs })).access_token).toEqual(
      expect.any(String),
    );

    // Renaming keeps the rotated secret working, and no answer ever shows it again.
    expect((await acme.as.admin<Client>('PATCH', path, { name: 'Nightly batch' })).body).toEqual({
      ...view,
      name: 'Nightly batch',
    });
    expect((await client.clientCredentialsGrant(rotatedRp, { resource: jobs })).access_token).toEqual(
      expect.any(String),
    );
    const after = JSON.stringify([
      (await acme.as.admin('GET', path)).body,
      (await acme.as.admin('GET', `${o}/clients`)).body,
    ]);
    expect(after).not.toContain(rotated.body.clientSecret);
    expect(after).not.toContain('clientSecret');
    const stored = await db.connection.collection('oidc_Client').findOne({ _id: view.clientId as never });
    expect(JSON.stringify(stored)).not.toContain(rotated.body.clientSecret);

    const publicClient = await acme.as.admin<Client>('POST', `${o}/clients`, {
      name: 'Terminal',
      redirectUris: ['http://127.0.0.1/callback'],
      public: true,
    });
    expect(publicClient.status).toBe(201);
    expect(publicClient.body).toMatchObject({ public: true });
    expect(publicClient.body).not.toHaveProperty('clientSecret');
    expectProblem(await acme.as.admin('POST', `${o}/clients/${publicClient.body.clientId}/secret`), 400, 'invalid');

    expect(await auditActions(acme.as.owner, acme.org._id)).toEqual(
      expect.arrayContaining([
        `client.created ${view.clientId}`,
        `client.secret_rotated ${view.clientId}`,
        `client.updated ${view.clientId}`,
      ]),
    );
  });

  it('change name and redirect URIs, and refuse invalid input leaving the client as it was', async () => {
    const acme = await orgWithRoles(server.stores.db, server.url, 'Dashboards Co');
    const o = `/orgs/${acme.org._id}`;
    const created = await acme.as.admin<Client>('POST', `${o}/clients`, {
      name: 'Dash',
      redirectUris: ['https://dash.example.test/cb'],
    });
    expect(created.body).toMatchObject({
      grantTypes: ['authorization_code', 'refresh_token'],
      redirectUris: ['https://dash.example.test/cb'],
      clientSecret: expect.any(String),
    });
    const path = `${o}/clients/${created.body.clientId}`;
    const updated = await acme.as.admin<Client>('PATCH', path, {
      name: 'Dashboard',
      redirectUris: ['https://dash.example.test/cb', 'https://dash.example.test/cb2'],
    });
    expect(updated.status).toBe(200);
    expect(updated.body).toMatchObject({
      clientId: created.body.clientId,
      name: 'Dashboard',
      redirectUris: ['https://dash.example.test/cb', 'https://dash.example.test/cb2'],
    });
    expect((await acme.as.admin('GET', path)).body).toEqual(updated.body);

    for (const [body, field] of [
      [{ name: '' }, 'name'],
      [{ redirectUris: 'https://dash.example.test/cb' }, 'redirectUris'],
      [{ redirectUris: Array.from({ length: 21 }, (_, i) => `https://dash.example.test/${i}`) }, 'redirectUris'],
      [{ clientSecret: 'chosen-by-me' }, 'input'],
    ] as const) {
      const answer = await acme.as.admin('PATCH', path, body);
      expectProblem(answer, 400, 'invalid');
      expect(answer.body).toMatchObject({ errors: { [field]: expect.any(String) } });
    }
    // Redirect URIs oidc-provider itself refuses.
    expectProblem(await acme.as.admin('PATCH', path, { redirectUris: ['not a url'] }), 400, 'invalid');
    expectProblem(
      await acme.as.admin('PATCH', path, { redirectUris: ['https://dash.example.test/cb#frag'] }),
      400,
      'invalid',
    );
    expect((await acme.as.admin('GET', path)).body).toEqual(updated.body);

    for (const [body, field] of [
      [{}, 'name'],
      [{ name: 'Bad grant', redirectUris: ['https://x.example.test/cb'], grantTypes: ['password'] }, 'grantTypes.0'],
      [{ name: 'No grant', redirectUris: ['https://x.example.test/cb'], grantTypes: [] }, 'grantTypes'],
      [{ name: 'Elsewhere', redirectUris: ['https://x.example.test/cb'], orgId: acme.owner.personalOrgId }, 'input'],
    ] as const) {
      const answer = await acme.as.admin('POST', `${o}/clients`, body);
      expectProblem(answer, 400, 'invalid');
      expect(answer.body).toMatchObject({ errors: { [field]: expect.any(String) } });
    }
    const noRedirect = await acme.as.admin('POST', `${o}/clients`, { name: 'Web app without redirect' });
    expectProblem(noRedirect, 400, 'invalid');
    expect(noRedirect.body).toMatchObject({ detail: expect.stringContaining('needs at least one redirect URI') });
    expect((await acme.as.admin<Page<Client>>('GET', `${o}/clients`)).body.items).toEqual([updated.body]);
  });

  it('are deleted with their tokens', async () => {
    const acme = await orgWithRoles(server.stores.db, server.url, 'Deleting Co');
    const o = `/orgs/${acme.org._id}`;
    const usage = uniqueResource('usage');
    await acme.as.admin('POST', `${o}/resource-servers`, { uri: usage, scopes: ['usage:write'], format: 'opaque' });
    const register = (name: string) =>
      acme.as.admin<Client>('POST', `${o}/clients`, { name, grantTypes: ['client_credentials'] });
    const doomed = (await register('Doomed job')).body;
    const introspector = (await register('Usage API')).body;
    const doomedRp = await relyingParty(server.issuer, doomed.clientId, doomed.clientSecret);
    const introspectorRp = await relyingParty(server.issuer, introspector.clientId, introspector.clientSecret);
    const token = (await client.clientCredentialsGrant(doomedRp, { resource: usage })).access_token;
    expect(await client.tokenIntrospection(introspectorRp, token)).toMatchObject({
      active: true,
      org_id: acme.org._id,
    });

    const path = `${o}/clients/${doomed.clientId}`;
    expect((await acme.as.admin('DELETE', path)).status).toBe(204);
    expectProblem(await acme.as.admin('GET', path), 404, 'not_found');
    expectProblem(await acme.as.admin('DELETE', path), 404, 'not_found');
    expect((await acme.as.admin<Page<Client>>('GET', `${o}/clients`)).body.items.map((c) => c.clientId)).toEqual([
      introspector.clientId,
    ]);
    expect(await client.tokenIntrospection(introspectorRp, token)).toEqual({ active: false });
    expect(await tokenError(client.clientCredentialsGrant(doomedRp, { resource: usage }))).toEqual({
      status: 401,
      error: 'invalid_client',
    });
    expect(await auditActions(acme.as.owner, acme.org._id)).toContain(`client.deleted ${doomed.clientId}`);
  });

  it('are listed page by page with cursors, each client exactly once', async () => {
    const acme = await orgWithRoles(server.stores.db, server.url, 'Many Clients Co');
    const o = `/orgs/${acme.org._id}`;
    const ids: string[] = [];
    for (const name of ['First', 'Second', 'Third']) {
      const created = await acme.as.admin<Client>('POST', `${o}/clients`, {
        name,
        redirectUris: [`https://${name.toLowerCase()}.example.test/cb`],
      });
      ids.push(created.body.clientId);
    }
    const first = await acme.as.admin<Page<Client>>('GET', `${o}/clients?limit=2`);
    expect(first.body.items).toHaveLength(2);
    expect(first.body.nextCursor).toEqual(expect.any(String));
    const second = await acme.as.admin<Page<Client>>('GET', `${o}/clients?limit=2&cursor=${first.body.nextCursor}`);
    expect(second.body).toMatchObject({ items: [expect.any(Object)], nextCursor: null });
    expect([...first.body.items, ...second.body.items].map((c) => c.clientId)).toEqual([...ids].sort());
    expect((await everyPage<Client>(acme.as.admin, `${o}/clients`, 1)).map((c) => c.name).sort()).toEqual([
      'First',
      'Second',
      'Third',
    ]);
    const badCursor = await acme.as.admin('GET', `${o}/clients?cursor=not-a-cursor!`);
    expectProblem(badCursor, 400, 'invalid');
  });

  it('of one organization are invisible and unchangeable through another organization', async () => {
    const { db } = server.stores;
    const acme = await orgWithRoles(db, server.url, 'Prying Co');
    const other = await orgWithRoles(db, server.url, 'Private Co');
    const p = `/orgs/${other.org._id}`;
    const reports = uniqueResource('reports');
    await other.as.admin('POST', `${p}/resource-servers`, { uri: reports, scopes: ['reports:read'] });
    const theirs = (
      await other.as.admin<Client>('POST', `${p}/clients`, { name: 'Theirs', grantTypes: ['client_credentials'] })
    ).body;
    const { clientSecret, ...theirView } = theirs;
    const auditBefore = await db.auditEvents.countDocuments({ orgId: other.org._id });

    const a = `/orgs/${acme.org._id}/clients/${theirs.clientId}`;
    for (const [method, path, body] of [
      ['GET', a],
      ['PATCH', a, { name: 'Mine now', redirectUris: ['https://evil.example.test/cb'] }],
      ['POST', `${a}/secret`],
      ['DELETE', a],
    ] as const) {
      expectProblem(await acme.as.owner(method, path, body), 404, 'not_found');
    }
    expect((await acme.as.owner<Page<Client>>('GET', `/orgs/${acme.org._id}/clients`)).body.items).toEqual([]);
    const b = `${p}/clients/${theirs.clientId}`;
    for (const [method, path, body] of [
      ['GET', `${p}/clients`],
      ['POST', `${p}/clients`, { name: 'Planted', redirectUris: ['https://evil.example.test/cb'] }],
      ['GET', b],
      ['PATCH', b, { name: 'Mine now' }],
      ['POST', `${b}/secret`],
      ['DELETE', b],
    ] as const) {
      const answer = await acme.as.owner(method, path, body);
      expect(answer.status, `${method} ${path}`).toBe(403);
      expect(answer.headers.get('www-authenticate')).toContain('insufficient_scope');
    }

    expect((await other.as.admin('GET', b)).body).toEqual(theirView);
    expect((await other.as.admin<Page<Client>>('GET', `${p}/clients`)).body.items).toEqual([theirView]);
    expect(await db.auditEvents.countDocuments({ orgId: other.org._id })).toBe(auditBefore);
    const rp = await relyingParty(server.issuer, theirs.clientId, clientSecret);
    const tokens = await client.clientCredentialsGrant(rp, { resource: reports });
    expect(decodeJwt(tokens.access_token)).toMatchObject({ org_id: other.org._id, client_id: theirs.clientId });
  });
});

describe('resource servers of an organization', () => {
  it('are registered, changed, listed and deleted, with invalid input refused', async () => {
    const acme = await orgWithRoles(server.stores.db, server.url, 'Servers Co');
    const o = `/orgs/${acme.org._id}`;
    const uri = uniqueResource('files');
    const created = await acme.as.admin<ResourceServer>('POST', `${o}/resource-servers`, {
      uri,
      scopes: ['files:read', 'files:write', 'files:read'],
      format: 'opaque',
      accessTokenTtl: 600,
    });
    expect(created.status).toBe(201);
    expect(created.body).toEqual({
      uri,
      scopes: ['files:read', 'files:write'],
      orgId: acme.org._id,
      match: 'exact',
      orgPath: null,
      format: 'opaque',
      accessTokenTtl: 600,
      createdAt: expect.stringMatching(ISO),
    });
    expectProblem(await acme.as.admin('POST', `${o}/resource-servers`, { uri }), 409, 'conflict');

    for (const [body, field] of [
      [{ uri: 'ftp://files.example.test/' }, 'uri'],
      [{ uri: 'https://files.example.test/#top' }, 'uri'],
      [{ uri: uniqueResource('bad'), scopes: ['two words'] }, 'scopes.0'],
      [{ uri: uniqueResource('bad'), format: 'paseto' }, 'format'],
      [{ uri: uniqueResource('bad'), accessTokenTtl: 10 }, 'accessTokenTtl'],
      [{ uri: uniqueResource('bad'), orgId: acme.owner.personalOrgId }, 'input'],
    ] as const) {
      const answer = await acme.as.admin('POST', `${o}/resource-servers`, body);
      expectProblem(answer, 400, 'invalid');
      expect(answer.body).toMatchObject({ errors: { [field]: expect.any(String) } });
    }

    const changed = await acme.as.admin<ResourceServer>('PATCH', `${o}/resource-servers${resourceQuery(uri)}`, {
      scopes: ['files:read', 'files:admin'],
      format: 'jwt',
      accessTokenTtl: 120,
    });
    expect(changed.status).toBe(200);
    expect(changed.body).toEqual({
      ...created.body,
      scopes: ['files:read', 'files:admin'],
      format: 'jwt',
      accessTokenTtl: 120,
    });
    const invalidChange = await acme.as.admin('PATCH', `${o}/resource-servers${resourceQuery(uri)}`, {
      accessTokenTtl: 100_000,
    });
    expectProblem(invalidChange, 400, 'invalid');
    expect(invalidChange.body).toMatchObject({ errors: { accessTokenTtl: expect.any(String) } });
    expectProblem(await acme.as.admin('PATCH', `${o}/resource-servers`, { format: 'jwt' }), 400, 'invalid');

    const second = uniqueResource('search');
    await acme.as.admin('POST', `${o}/resource-servers`, { uri: second });
    const third = uniqueResource('mail');
    await acme.as.admin('POST', `${o}/resource-servers`, { uri: third });
    const all = await everyPage<ResourceServer>(acme.as.admin, `${o}/resource-servers`, 2);
    expect(all.map((r) => r.uri)).toEqual([uri, second, third].sort());
    expect(all.find((r) => r.uri === uri)).toEqual(changed.body);

    expect((await acme.as.admin('DELETE', `${o}/resource-servers${resourceQuery(uri)}`)).status).toBe(204);
    expectProblem(await acme.as.admin('DELETE', `${o}/resource-servers${resourceQuery(uri)}`), 404, 'not_found');
    expect((await everyPage<ResourceServer>(acme.as.admin, `${o}/resource-servers`, 2)).map((r) => r.uri)).toEqual(
      [second, third].sort(),
    );
    expect(await auditActions(acme.as.owner, acme.org._id)).toEqual(
      expect.arrayContaining([`resource.created ${uri}`, `resource.updated ${uri}`, `resource.deleted ${uri}`]),
    );
  });

  it('of one organization are out of reach of another, and nothing changes', async () => {
    const { db } = server.stores;
    const acme = await orgWithRoles(db, server.url, 'Owning Co');
    const other = await orgWithRoles(db, server.url, 'Grabbing Co');
    const uri = uniqueResource('owned');
    const owned = (
      await acme.as.admin<ResourceServer>('POST', `/orgs/${acme.org._id}/resource-servers`, {
        uri,
        scopes: ['owned:read'],
      })
    ).body;
    const q = resourceQuery(uri);
    const theirs = `/orgs/${other.org._id}/resource-servers`;
    expectProblem(await other.as.admin('PATCH', `${theirs}${q}`, { scopes: ['owned:all'] }), 404, 'not_found');
    expectProblem(await other.as.admin('DELETE', `${theirs}${q}`), 404, 'not_found');
    expectProblem(await other.as.admin('POST', theirs, { uri }), 409, 'conflict');
    expect((await other.as.admin<Page<ResourceServer>>('GET', theirs)).body.items).toEqual([]);
    const ours = `/orgs/${acme.org._id}/resource-servers`;
    for (const [method, path, body] of [
      ['GET', ours],
      ['PATCH', `${ours}${q}`, { scopes: ['owned:all'] }],
      ['DELETE', `${ours}${q}`],
    ] as const) {
      expect((await other.as.owner(method, path, body)).status, `${method} ${path}`).toBe(403);
    }
    expect((await acme.as.admin<Page<ResourceServer>>('GET', ours)).body.items).toEqual([owned]);
  });
});

describe('the app approval policy', () => {
  it('is set per organization by admins, one part at a time, and validated', async () => {
    const { db } = server.stores;
    const acme = await orgWithRoles(db, server.url, 'Policy Co');
    const other = await orgWithRoles(db, server.url, 'Lenient Co');
    const policy = `/orgs/${acme.org._id}/policy`;
    const set = await acme.as.admin('PUT', policy, { clientPolicy: 'approved' });
    expect(set.status).toBe(200);
    expect(set.body).toEqual({ clientPolicy: 'approved', resourcePolicy: 'any' });
    expect((await acme.as.admin('PUT', policy, { resourcePolicy: 'approved' })).body).toEqual({
      clientPolicy: 'approved',
      resourcePolicy: 'approved',
    });
    expect((await acme.as.owner('PUT', policy, {})).body).toEqual({
      clientPolicy: 'approved',
      resourcePolicy: 'approved',
    });
    expect((await acme.as.member('GET', `/orgs/${acme.org._id}`)).body).toMatchObject({
      clientPolicy: 'approved',
      resourcePolicy: 'approved',
    });

    for (const [body, field] of [
      [{ clientPolicy: 'never' }, 'clientPolicy'],
      [{ resourcePolicy: true }, 'resourcePolicy'],
      [{ clientPolicy: 'any', teams: 'any' }, 'input'],
    ] as const) {
      const answer = await acme.as.admin('PUT', policy, body);
      expectProblem(answer, 400, 'invalid');
      expect(answer.body).toMatchObject({ errors: { [field]: expect.any(String) } });
    }
    expect((await acme.as.admin('PUT', policy, { clientPolicy: 'never' })).body).toMatchObject({
      errors: { clientPolicy: 'must be any or approved' },
    });
    expectProblem(await acme.as.member('PUT', policy, { clientPolicy: 'any' }), 403, 'forbidden');
    expect((await other.as.owner('PUT', policy, { clientPolicy: 'any' })).status).toBe(403);
    expect((await acme.as.member('GET', `/orgs/${acme.org._id}`)).body).toMatchObject({
      clientPolicy: 'approved',
      resourcePolicy: 'approved',
    });
    expect((await other.as.member('GET', `/orgs/${other.org._id}`)).body).toMatchObject({
      clientPolicy: 'any',
      resourcePolicy: 'any',
    });
    const changes = await acme.as.admin<Page<{ data: Record<string, unknown> }>>(
      'GET',
      `/orgs/${acme.org._id}/audit?action=policy.changed`,
    );
    expect(changes.body.items).toHaveLength(3);
  });

  it('approves clients and resource servers, lists them page by page, and withdraws approvals', async () => {
    const { db } = server.stores;
    const acme = await orgWithRoles(db, server.url, 'Approving Co');
    const o = `/orgs/${acme.org._id}`;
    const keys = await acme.as.admin<Page<{ id: string; userId: string }>>('GET', `${o}/api-keys`);
    const adminKeyId = keys.body.items.find((k) => k.userId === acme.admin._id)?.id;
    expect(adminKeyId).toEqual(expect.stringMatching(/^key_/));

    const approved = await acme.as.admin<Approval>('PUT', `${o}/approvals/client`, { ref: 'cli_outside_one' });
    expect(approved.status).toBe(200);
    expect(approved.body).toMatchObject({
      ref: 'cli_outside_one',
      approvedBy: adminKeyId,
      createdAt: expect.stringMatching(ISO),
    });
    // Approving again changes nothing visible: still one approval.
    expect((await acme.as.owner('PUT', `${o}/approvals/client`, { ref: 'cli_outside_one' })).status).toBe(200);
    for (const ref of ['cli_outside_two', 'cli_outside_three']) {
      await acme.as.admin('PUT', `${o}/approvals/client`, { ref });
    }
    const resource = uniqueResource('approved');
    await acme.as.admin('PUT', `${o}/approvals/resource`, { ref: resource });

    const clients = await everyPage<Approval>(acme.as.admin, `${o}/approvals/client`, 2);
    expect(clients.map((a) => a.ref).sort()).toEqual(['cli_outside_one', 'cli_outside_three', 'cli_outside_two']);
    const first = await acme.as.admin<Page<Approval>>('GET', `${o}/approvals/client?limit=2`);
    expect(first.body.items).toHaveLength(2);
    expect(first.body.nextCursor).toEqual(expect.any(String));
    const resources = await acme.as.admin<Page<Approval>>('GET', `${o}/approvals/resource`);
    expect(resources.body).toEqual({ items: [expect.objectContaining({ ref: resource })], nextCursor: null });

    for (const [method, path, body, field] of [
      ['PUT', `${o}/approvals/app`, { ref: 'cli_x' }, 'kind'],
      ['PUT', `${o}/approvals/client`, { ref: '' }, 'ref'],
      ['PUT', `${o}/approvals/client`, {}, 'ref'],
      ['PUT', `${o}/approvals/client`, { ref: 'cli_x', note: 'hi' }, 'input'],
      ['DELETE', `${o}/approvals/client`, undefined, 'ref'],
      ['GET', `${o}/approvals/client?limit=500`, undefined, 'limit'],
    ] as const) {
      const answer = await acme.as.admin(method, path, body);
      expectProblem(answer, 400, 'invalid');
      expect(answer.body).toMatchObject({ errors: { [field]: expect.any(String) } });
    }
    expectProblem(await acme.as.member('GET', `${o}/approvals/client`), 403, 'forbidden');
    expectProblem(await acme.as.member('PUT', `${o}/approvals/client`, { ref: 'cli_member' }), 403, 'forbidden');

    expect((await acme.as.admin('DELETE', `${o}/approvals/client?ref=cli_outside_two`)).status).toBe(204);
    expectProblem(await acme.as.admin('DELETE', `${o}/approvals/client?ref=cli_outside_two`), 404, 'not_found');
    expectProblem(await acme.as.admin('DELETE', `${o}/approvals/resource?ref=cli_outside_one`), 404, 'not_found');
    expect((await everyPage<Approval>(acme.as.admin, `${o}/approvals/client`, 10)).map((a) => a.ref).sort()).toEqual([
      'cli_outside_one',
      'cli_outside_three',
    ]);
    expect(await auditActions(acme.as.owner, acme.org._id)).toEqual(
      expect.arrayContaining([
        'client.approved cli_outside_one',
        `resource.approved ${resource}`,
        'client.approval_withdrawn cli_outside_two',
      ]),
    );
  });

  it('of one organization are neither seen nor changed through another', async () => {
    const { db } = server.stores;
    const acme = await orgWithRoles(db, server.url, 'Guarded Co');
    const other = await orgWithRoles(db, server.url, 'Curious Co');
    const o = `/orgs/${acme.org._id}`;
    const p = `/orgs/${other.org._id}`;
    await acme.as.admin('PUT', `${o}/approvals/client`, { ref: 'cli_guarded' });
    const before = await db.approvals.countDocuments({});

    expect((await other.as.admin<Page<Approval>>('GET', `${p}/approvals/client`)).body.items).toEqual([]);
    expectProblem(await other.as.admin('DELETE', `${p}/approvals/client?ref=cli_guarded`), 404, 'not_found');
    for (const [method, path, body] of [
      ['GET', `${o}/approvals/client`],
      ['PUT', `${o}/approvals/client`, { ref: 'cli_planted' }],
      ['DELETE', `${o}/approvals/client?ref=cli_guarded`],
    ] as const) {
      expect((await other.as.owner(method, path, body)).status, `${method} ${path}`).toBe(403);
    }
    expect(await db.approvals.countDocuments({})).toBe(before);
    expect((await acme.as.admin<Page<Approval>>('GET', `${o}/approvals/client`)).body.items.map((a) => a.ref)).toEqual([
      'cli_guarded',
    ]);
  });
});

describe('an organization that allows only approved apps', () => {
  let strict: Awaited<ReturnType<typeof orgWithRoles>>;
  let rp: client.Configuration;
  let toolId: string;
  let tokens: client.TokenEndpointResponse;

  it('refuses an unapproved app on the consent page, then lets it through once an admin approves it', async () => {
    const { db } = server.stores;
    strict = await orgWithRoles(db, server.url, 'Strict Co');
    // A third-party tool owned by no organization.
    const tool = await createClient(server.stores, server.config, { name: 'Outside Tool', redirectUris: [REDIRECT] });
    toolId = tool.client_id;
    rp = await relyingParty(server.issuer, tool.client_id, tool.client_secret);
    const o = `/orgs/${strict.org._id}`;
    expect((await strict.as.admin('PUT', `${o}/policy`, { clientPolicy: 'approved' })).status).toBe(200);

    const page = await (await browser.newContext()).newPage();
    const { url, checks } = await startAuthorization(rp, { redirectUri: REDIRECT, scope: 'openid offline_access' });
    const callback = captureCallback(page, REDIRECT);
    await page.goto(url.href);
    await page.getByLabel('Email').fill(strict.member.email);
    await page.getByLabel('Password').fill(TEST_PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByLabel('Organization').selectOption({ label: 'Strict Co' });
    await page.getByRole('button', { name: 'Allow' }).click();

    const alert = page.getByRole('alert');
    await alert.waitFor();
    expect(await alert.textContent()).toBe(
      'Strict Co allows only approved apps, and Outside Tool is not approved yet. ' +
        'Ask an administrator of Strict Co to approve it, or choose another organization.',
    );
    expect(new URL(page.url()).pathname).toMatch(/^\/interaction\//);
    expect((await strict.as.admin<Page<ConnectedApp>>('GET', `${o}/connected-apps`)).body.items).toEqual([]);
    expect(await db.connection.collection('grant_orgs').countDocuments({ clientId: toolId })).toBe(0);

    const approval = await strict.as.admin<Approval>('PUT', `${o}/approvals/client`, { ref: toolId });
    expect(approval.status).toBe(200);

    // The same consent page, submitted again.
    await page.getByLabel('Organization').selectOption({ label: 'Strict Co' });
    await page.getByRole('button', { name: 'Allow' }).click();
    const redirected = await callback;
    expect(redirected.searchParams.get('error')).toBeNull();
    tokens = await client.authorizationCodeGrant(rp, redirected, checks);
    expect(tokens.refresh_token).toEqual(expect.any(String));
    expect(decodeJwt(tokens.id_token ?? '')).toMatchObject({ sub: strict.member._id, org_id: strict.org._id });
    expect(await client.tokenIntrospection(rp, tokens.access_token)).toMatchObject({
      active: true,
      sub: strict.member._id,
      org_id: strict.org._id,
      org_role: 'member',
    });
    await page.context().close();
  });

  it('shows the approved app among connected apps; withdrawing the approval keeps it, revoking ends its tokens', async () => {
    const { db } = server.stores;
    const o = `/orgs/${strict.org._id}`;
    // "Last used" times are written behind, at most a second later.
    await flushWritesBehind(db);
    const own = await strict.as.member<Page<ConnectedApp>>('GET', `${o}/connected-apps`);
    expect(own.body.items).toEqual([
      expect.objectContaining({
        userId: strict.member._id,
        clientId: toolId,
        clientName: 'Outside Tool',
        scopes: expect.arrayContaining(['openid']),
        lastUsedAt: expect.stringMatching(ISO),
        createdAt: expect.stringMatching(ISO),
      }),
    ]);
    expect(own.body.nextCursor).toBeNull();
    const grantId = own.body.items[0]?.grantId ?? '';
    expect((await strict.as.admin<Page<ConnectedApp>>('GET', `${o}/connected-apps`)).body.items).toEqual(
      own.body.items,
    );

    // Another organization cannot see or end it.
    const other = await orgWithRoles(db, server.url, 'Bystander Co');
    const p = `/orgs/${other.org._id}`;
    expect((await other.as.admin<Page<ConnectedApp>>('GET', `${p}/connected-apps`)).body.items).toEqual([]);
    expectProblem(await other.as.admin('DELETE', `${p}/connected-apps/${grantId}`), 404, 'not_found');
    expect((await other.as.owner('DELETE', `${o}/connected-apps/${grantId}`)).status).toBe(403);
    expect((await other.as.owner('GET', `${o}/connected-apps`)).status).toBe(403);

    // Withdrawing the approval refuses new authorizations only; the existing grant keeps working.
    expect((await strict.as.admin('DELETE', `${o}/approvals/client?ref=${toolId}`)).status).toBe(204);
    tokens = await client.refreshTokenGrant(rp, tokens.refresh_token ?? '');
    expect(await client.tokenIntrospection(rp, tokens.access_token)).toMatchObject({
      active: true,
      org_id: strict.org._id,
    });

    expect((await strict.as.admin('DELETE', `${o}/connected-apps/${grantId}`)).status).toBe(204);
    expect(await client.tokenIntrospection(rp, tokens.access_token)).toMatchObject({ active: false });
    await expect(client.refreshTokenGrant(rp, tokens.refresh_token ?? '')).rejects.toMatchObject({
      error: 'invalid_grant',
    });
    expect((await strict.as.member<Page<ConnectedApp>>('GET', `${o}/connected-apps`)).body.items).toEqual([]);
    expectProblem(await strict.as.admin('DELETE', `${o}/connected-apps/${grantId}`), 404, 'not_found');
    const revoked = await strict.as.admin<Page<{ target: { id: string }; data: Record<string, unknown> }>>(
      'GET',
      `${o}/audit?action=grant.revoked`,
    );
    expect(revoked.body.items).toEqual([
      expect.objectContaining({
        target: expect.objectContaining({ id: grantId }),
        data: { userId: strict.member._id, clientId: toolId },
      }),
    ]);
  });
});
