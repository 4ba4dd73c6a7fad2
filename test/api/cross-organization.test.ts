import { randomBytes } from 'node:crypto';
import * as client from 'openid-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { API_ROUTES } from '../../src/api/index.js';
import type { ApiRoute } from '../../src/api/route.js';
import { issueOrgBoundGrant } from '../../src/oidc/interactions/org-choice.js';
import { flushWritesBehind } from '../../src/stores/write-behind.js';
import { type ApiAnswer, type ApiCall, apiClient, orgWithRoles, platformClient } from '../support/api.js';
import { addMemberAs, uniqueEmail } from '../support/factories.js';
import { createClient, relyingParty, startOidcServer } from '../support/oauth.js';

/**
 * Cross-organization isolation, generated from API_ROUTES: every route whose path names `{orgId}`
 * is called with organization A's credentials (1) on organization B, and (2) on A itself but naming
 * B's members, teams, keys, clients, grants, invitations… Afterwards B must be exactly as it was.
 * A new route is covered without editing this file; a new path parameter or a route that needs a
 * body fails here, by name, until PARAMS or BODIES says what to send.
 */

type Org = Awaited<ReturnType<typeof populate>>;

/**
 * What each path parameter (and required query parameter) names, in one organization: A's value
 * and B's value are this function applied to each. A parameter whose two values are equal (`kind`)
 * names no object of an organization.
 */
const PARAMS: Record<string, (org: Org) => string> = {
  userId: (org) => org.member._id,
  invitationId: (org) => org.invitationId,
  teamId: (org) => org.teamId,
  keyId: (org) => org.teamKeyId,
  clientId: (org) => org.clientId,
  grantId: (org) => org.grantId,
  kind: () => 'client',
  uri: (org) => org.resourceUri,
  ref: (org) => org.toolClientId,
  host: () => BLOCKED_HOST,
};

/** Blocking a host of client ID metadata documents names no object of either organization, as `approve`. */
const BLOCKED_HOST = 'untrusted-docs.example.test';

const TOP_UP = { amount: 100, description: 'top-up' };
const USAGE = { amount: 5, description: 'usage' };

/**
 * Valid bodies by operationId, built from the organization whose objects they may name (B's in
 * every cross-organization call). Routes not listed here get `{}`, which must satisfy their schema.
 * Approving another organization's client or resource is how third-party apps are admitted, so
 * `approve` names no object of either organization; idempotency keys are headers (see HEADERS).
 */
const BODIES: Record<string, (org: Org) => unknown> = {
  updateOrganization: () => ({ name: 'Taken over', description: 'by another organization' }),
  transferOwnership: (org) => ({ userId: org.member._id }),
  setAppPolicy: () => ({ clientPolicy: 'approved', resourcePolicy: 'approved' }),
  changeMemberRole: () => ({ role: 'admin' }),
  createInvitation: () => ({ email: 'invitee@example.test', role: 'admin' }),
  createOrgTeam: () => ({ name: 'Planted team' }),
  renameOrgTeam: () => ({ name: 'Taken over' }),
  createApiKey: (org) => ({ name: 'planted', teamId: org.teamId }),
  registerClient: () => ({ name: 'Planted app', redirectUris: ['https://planted.example.test/cb'] }),
  updateClient: () => ({ name: 'Taken over', redirectUris: ['https://attacker.example.test/cb'] }),
  createResourceServer: (org) => ({ uri: org.resourceUri, scopes: ['taken:over'] }),
  updateResourceServer: () => ({ scopes: ['taken:over'], accessTokenTtl: 86_400 }),
  approve: () => ({ ref: 'cli_some_third_party_app' }),
  blockHost: () => ({ host: BLOCKED_HOST }),
  setOverdraftLimit: () => ({ limit: 1_000_000 }),
  addCredits: () => TOP_UP,
  debitCredits: () => USAGE,
};

/**
 * Headers by operationId: the idempotency keys each organization used for its own top-up and usage.
 * Sent to A, B's keys must make A's own entries, never replay B's.
 */
const HEADERS: Record<string, (org: Org) => Record<string, string>> = {
  addCredits: (org) => ({ 'idempotency-key': `${org.label}-top-up` }),
  debitCredits: (org) => ({ 'idempotency-key': `${org.label}-usage` }),
};

const PROBLEM_JSON = 'application/problem+json';
const ORG_ROUTES = API_ROUTES.filter((route) => route.path.includes('{orgId}'));
const routeName = (route: ApiRoute) => `${route.method.toUpperCase()} ${route.path}`;

interface Built {
  method: string;
  path: string;
  body: unknown;
  headers: Record<string, string>;
  /** Whether the request names an object of `objects` beyond the organization itself. */
  namesObjects: { inPath: boolean; inBody: boolean };
}

function parameterValue(route: ApiRoute, name: string, org: Org): string {
  const of = PARAMS[name];
  if (!of) {
    throw new Error(
      `${routeName(route)} (${route.operationId}) has the parameter ${name}, which PARAMS in test/api/cross-organization.test.ts does not know: add what it names in each organization`,
    );
  }
  return of(org);
}

function requiredQueryKeys(route: ApiRoute): string[] {
  if (!route.query) return [];
  if (!(route.query instanceof z.ZodObject)) {
    throw new Error(`${routeName(route)} (${route.operationId}) has a query schema that is not an object`);
  }
  return Object.entries(route.query.shape as Record<string, z.ZodType>)
    .filter(([, schema]) => !schema.safeParse(undefined).success)
    .map(([key]) => key);
}

function bodyOf(route: ApiRoute, org: Org): unknown {
  if (!route.body) return undefined;
  const make = BODIES[route.operationId];
  const body = make ? make(org) : {};
  const parsed = route.body.safeParse(body);
  if (!parsed.success) {
    throw new Error(
      make
        ? `BODIES.${route.operationId} is not a valid body for ${routeName(route)}: ${parsed.error.message}`
        : `${routeName(route)} (${route.operationId}) needs a body: add a valid one to BODIES`,
    );
  }
  return body;
}

/**
 * The request of a route in organization `target`, naming the objects of `objects` in every other
 * path parameter, required query parameter, body and header. `other` is the organization whose
 * values are compared to tell which parameters name an organization's objects.
 */
function build(route: ApiRoute, target: Org, objects: Org, other: Org): Built {
  let inPath = false;
  const path = route.path.replace(/\{(\w+)\}/g, (_, name: string) => {
    if (name === 'orgId') return encodeURIComponent(target.org._id);
    const value = parameterValue(route, name, objects);
    if (value !== parameterValue(route, name, other)) inPath = true;
    return encodeURIComponent(value);
  });
  const query = new URLSearchParams();
  for (const key of requiredQueryKeys(route)) {
    const value = parameterValue(route, key, objects);
    if (value !== parameterValue(route, key, other)) inPath = true;
    query.set(key, value);
  }
  const body = bodyOf(route, objects);
  const inBody = JSON.stringify(body) !== JSON.stringify(bodyOf(route, other));
  return {
    method: route.method.toUpperCase(),
    path: query.size ? `${path}?${query}` : path,
    body,
    headers: HEADERS[route.operationId]?.(objects) ?? {},
    namesObjects: { inPath, inBody },
  };
}

const describeAnswer = (credential: string, request: Built, answer: ApiAnswer) =>
  `${credential}: ${request.method} ${request.path} ${JSON.stringify(request.body ?? null)} → ${answer.status} ${JSON.stringify(answer.body ?? null)}`;

let server: Awaited<ReturnType<typeof startOidcServer>>;
let a: Org;
let b: Org;
let platform: ApiCall;
/** A's credentials: its owner's API key, and an access token of one of its clients. */
let credentials: Array<{ name: string; call: ApiCall; owner: boolean }>;
let before: Snapshot;

function ok<T>(answer: ApiAnswer<T>, what: string): T {
  if (answer.status < 200 || answer.status > 299) {
    throw new Error(`${what}: ${answer.status} ${JSON.stringify(answer.body)}`);
  }
  return answer.body;
}

/** A company organization with one of everything a route can name, made through the API where it can be. */
async function populate(label: string) {
  const { db } = server.stores;
  const base = await orgWithRoles(db, server.url, `${label} Co`);
  const o = `/orgs/${base.org._id}`;
  const team = ok(await base.as.admin<{ id: string }>('POST', `${o}/teams`, { name: `${label} team` }), 'team');
  const teamKey = ok(
    await base.as.member<{ id: string }>('POST', `${o}/api-keys`, { name: `${label} team key`, teamId: team.id }),
    'key',
  );
  const invitation = ok(
    await base.as.admin<{ id: string }>('POST', `${o}/invitations`, { email: uniqueEmail(label.toLowerCase()) }),
    'invitation',
  );
  const resourceUri = `https://${label.toLowerCase()}-${randomBytes(4).toString('hex')}.example.test/api`;
  ok(await base.as.admin('POST', `${o}/resource-servers`, { uri: resourceUri, scopes: ['usage:read'] }), 'resource');
  const registered = ok(
    await base.as.admin<{ clientId: string; clientSecret: string }>('POST', `${o}/clients`, {
      name: `${label} app`,
      redirectUris: [`https://${label.toLowerCase()}.example.test/cb`],
      grantTypes: ['authorization_code', 'refresh_token', 'client_credentials'],
    }),
    'client',
  );
  // A third-party app (owned by no organization) that this organization approved.
  const tool = await createClient(server.stores, server.config, {
    name: `${label} tool`,
    redirectUris: [`https://tool-${label.toLowerCase()}.example.test/cb`],
  });
  ok(await base.as.admin('PUT', `${o}/approvals/client`, { ref: tool.client_id }), 'client approval');
  const partner = `https://partner-${label.toLowerCase()}.example.test/`;
  ok(await base.as.admin('PUT', `${o}/approvals/resource`, { ref: partner }), 'resource approval');
  ok(await base.as.admin('PUT', `${o}/blocked-hosts`, { host: BLOCKED_HOST }), 'blocked host');
  // No factory or route makes a grant; this is what the consent step runs when the member allows the app.
  const grantId = await issueOrgBoundGrant(server.oidc.provider, db, {
    userId: base.member._id,
    clientId: registered.clientId,
    orgId: base.org._id,
    details: { missingOIDCScope: ['openid'], missingResourceScopes: { [resourceUri]: ['usage:read'] } },
  });
  ok(await base.as.owner('POST', `${o}/credits/credits`, TOP_UP, { 'idempotency-key': `${label}-top-up` }), 'credit');
  ok(await base.as.member('POST', `${o}/credits/debits`, USAGE, { 'idempotency-key': `${label}-usage` }), 'debit');
  const rp = await relyingParty(server.issuer, registered.clientId, registered.clientSecret);
  const token = await client.clientCredentialsGrant(rp, { resource: `${server.issuer}/api`, scope: 'orgauth:api' });
  const keys = ok(await base.as.owner<{ items: { id: string }[] }>('GET', `${o}/api-keys`), 'keys').items;
  return {
    ...base,
    label,
    teamId: team.id,
    teamKeyId: teamKey.id,
    invitationId: invitation.id,
    resourceUri,
    clientId: registered.clientId,
    clientToken: token.access_token,
    toolClientId: tool.client_id,
    grantId,
    /** Identifiers of this organization alone: no answer given to another organization may contain one. */
    identifiers: [
      base.org._id,
      ...[base.owner, base.admin, base.member].flatMap((user) => [user._id, user.email]),
      team.id,
      ...keys.map((key) => key.id),
      invitation.id,
      resourceUri,
      registered.clientId,
      tool.client_id,
      partner,
      grantId,
    ],
  };
}

type Snapshot = Record<string, unknown>;

/** Every item of a read, following `nextCursor`. */
async function readAll(call: ApiCall, path: string): Promise<unknown> {
  const first = await call<{ items?: unknown[]; nextCursor?: string | null }>('GET', path);
  if (first.status !== 200) return { status: first.status, body: first.body };
  if (!Array.isArray(first.body.items) || first.body.nextCursor === undefined) return first.body;
  const items = [...first.body.items];
  let cursor = first.body.nextCursor;
  const separator = path.includes('?') ? '&' : '?';
  for (let pages = 0; cursor && pages < 100; pages++) {
    const next = await call<{ items: unknown[]; nextCursor: string | null }>(
      'GET',
      `${path}${separator}cursor=${encodeURIComponent(cursor)}`,
    );
    items.push(...next.body.items);
    cursor = next.body.nextCursor;
  }
  return items;
}

/**
 * B as operators see it: every GET route of an organization (from API_ROUTES, with B's objects),
 * then every stored record of B (secrets' hashes included, which no answer shows).
 */
async function snapshot(org: Org): Promise<Snapshot> {
  const state: Snapshot = {};
  for (const route of ORG_ROUTES.filter((r) => r.method === 'get')) {
    let request: Built;
    try {
      request = build(route, org, org, a);
    } catch {
      continue; // its own cases fail with the reason
    }
    state[request.path] = await readAll(platform, request.path);
  }
  const database = server.stores.db.connection.db;
  if (!database) throw new Error('no database connection');
  for (const { name } of await database.listCollections().toArray()) {
    const records = await database
      .collection(name)
      .find({ $or: [{ orgId: org.org._id }, { _id: org.org._id as never }] })
      .sort({ _id: 1 })
      .toArray();
    if (records.length) state[`stored ${name}`] = records;
  }
  return state;
}

beforeAll(async () => {
  server = await startOidcServer();
  const { db } = server.stores;
  platform = await platformClient(db, server.url);
  b = await populate('Bravo');
  a = await populate('Alpha');
  // A's owner is also an admin of B: only the binding of A's credentials to A keeps them out of B.
  await addMemberAs(db, b.org._id, a.owner._id, 'admin');
  credentials = [
    { name: "A's owner API key", call: a.as.owner, owner: true },
    { name: "A's client access token", call: apiClient(server.url, a.clientToken), owner: false },
  ];
  // Counters of B's own setup are written behind: on record before the snapshot.
  await flushWritesBehind(server.stores.db);
  before = await snapshot(b);
}, 120_000);
afterAll(() => server?.close());

/** B's identifiers that an answer shows although the request did not name them. */
function leaked(request: Built, answer: ApiAnswer): string[] {
  const sent = JSON.stringify([decodeURIComponent(request.path), request.body ?? null, request.headers]);
  const shown = JSON.stringify([answer.body ?? null, answer.headers.get('location')]);
  return b.identifiers.filter((id) => !sent.includes(id) && shown.includes(id));
}

function expectRefused(request: Built, answer: ApiAnswer, credential: string, allowed: number[]) {
  const what = describeAnswer(credential, request, answer);
  expect(allowed, what).toContain(answer.status);
  expect(answer.headers.get('content-type'), what).toContain(PROBLEM_JSON);
  expect(answer.body, what).toMatchObject({ status: answer.status });
  // A 404 from the route itself, not from a path that matched no route.
  expect(String((answer.body as { detail?: unknown }).detail), what).not.toMatch(/^no route /);
  expect(leaked(request, answer), what).toEqual([]);
}

describe('the routes under test', () => {
  it('include every route with {orgId}, and every organization route has {orgId} in its path', () => {
    expect(ORG_ROUTES.length).toBeGreaterThan(0);
    const orgRoutesWithoutOrgId = API_ROUTES.filter((r) => r.access.kind === 'org' && !r.path.includes('{orgId}'));
    expect(orgRoutesWithoutOrgId.map(routeName)).toEqual([]);
  });

  for (const route of ORG_ROUTES.filter((r) => r.method === 'get')) {
    it(`${routeName(route)} answers A's owner about A's own objects (so the parameters name real things)`, async () => {
      const request = build(route, a, a, b);
      const answer = await a.as.owner(request.method, request.path, request.body, request.headers);
      expect(answer.status, describeAnswer("A's owner API key", request, answer)).toBe(200);
      expect(leaked(request, answer)).toEqual([]);
    });
  }
});

describe("A's credentials on B's organization", () => {
  for (const route of ORG_ROUTES) {
    it(`${routeName(route)} with another organization's id`, async () => {
      const request = build(route, b, b, a);
      for (const { name, call } of credentials) {
        const answer = await call(request.method, request.path, request.body, request.headers);
        expectRefused(request, answer, name, [403, 404]);
      }
    });
  }

  it("refuses a debit that A's client charges to a token of B (Orgauth-Subject-Token)", async () => {
    const answer = await apiClient(server.url, a.clientToken)('POST', `/orgs/${a.org._id}/credits/debits`, USAGE, {
      'idempotency-key': 'charged-to-b',
      'orgauth-subject-token': b.clientToken,
    });
    expect(answer.status, JSON.stringify(answer.body)).toBe(400);
    expect(answer.body).toMatchObject({ status: 400, detail: expect.stringContaining('another organization') });
  });
});

/**
 * Deletions run last, the broadest (shortest path, i.e. deleting A itself) at the very end, so they
 * cannot hide the other cases; deleting A must not touch B either.
 */
const deletionsLast = [...ORG_ROUTES].sort((x, y) => {
  const deletes = Number(x.method === 'delete') - Number(y.method === 'delete');
  return deletes || (x.method === 'delete' ? y.path.length - x.path.length : 0);
});

describe("A's credentials on A's organization, naming B's objects", () => {
  for (const route of deletionsLast) {
    it(`${routeName(route)} in its own organization with another organization's objects`, async () => {
      const request = build(route, a, b, a);
      const { inPath, inBody } = request.namesObjects;
      for (const { name, call, owner } of credentials) {
        const answer = await call(request.method, request.path, request.body, request.headers);
        if (inPath || inBody) {
          // A body naming another organization's object may also be refused as invalid.
          expectRefused(request, answer, name, inBody ? [400, 403, 404, 409] : [403, 404, 409]);
        } else {
          // Nothing of B is named: A's own request works as usual for its owner, and shows nothing of B.
          const what = describeAnswer(name, request, answer);
          if (owner) expect(answer.status, what).toBeGreaterThanOrEqual(200);
          if (owner) expect(answer.status, what).toBeLessThan(300);
          expect(answer.status, what).toBeLessThan(500);
          expect(leaked(request, answer), what).toEqual([]);
        }
      }
    });
  }
});

describe('the other organization', () => {
  it('is exactly as it was: members, invitations, teams, keys, clients, approvals, grants, credits, audit', async () => {
    const after = await snapshot(b);
    expect(Object.keys(before).length).toBeGreaterThan(10);
    for (const key of Object.keys(before)) expect(after[key], key).toEqual(before[key]);
    expect(Object.keys(after).sort()).toEqual(Object.keys(before).sort());
  });

  it('still accepts its own credentials', async () => {
    const o = `/orgs/${b.org._id}`;
    const callers = [...Object.values(b.as), apiClient(server.url, b.clientToken)];
    for (const call of callers) expect((await call('GET', `${o}/credits`)).status).toBe(200);
    expect((await b.as.owner('GET', `${o}/connected-apps`)).body).toMatchObject({
      items: [expect.objectContaining({ grantId: b.grantId, clientId: b.clientId })],
    });
  });
});
