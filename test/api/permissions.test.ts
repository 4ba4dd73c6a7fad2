import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { API_ROUTES } from '../../src/api/index.js';
import { createApiKey } from '../../src/apikeys/service.js';
import { type Action, PERMISSIONS } from '../../src/orgs/policy.js';
import { type ApiCall, apiClient, orgWithRoles, platformClient } from '../support/api.js';
import { createOrg, createUser } from '../support/factories.js';
import { startOidcServer } from '../support/oauth.js';

type Who = 'owner' | 'admin' | 'member' | 'outsider' | 'platform';
const EVERYONE: Who[] = ['owner', 'admin', 'member', 'outsider', 'platform'];

const NO_USER = 'usr_AAAAAAAAAAAAAAAAAAAAAA';
const NO_TEAM = 'team_AAAAAAAAAAAAAAAAAAAAAA';
const NO_KEY = 'key_0123456789abcdef';
const NO_INVITATION = 'inv_AAAAAAAAAAAAAAAAAAAAAA';

let server: Awaited<ReturnType<typeof startOidcServer>>;
let acme: Awaited<ReturnType<typeof orgWithRoles>>;
let callers: Record<Who, ApiCall>;

beforeAll(async () => {
  server = await startOidcServer();
  const { db } = server.stores;
  acme = await orgWithRoles(db, server.url);
  const stranger = await createUser(db);
  const elsewhere = await createOrg(db, stranger._id, 'Elsewhere');
  const strangerKey = await createApiKey(db, { orgId: elsewhere._id, userId: stranger._id }, { name: 'k' });
  callers = {
    ...acme.as,
    outsider: apiClient(server.url, strangerKey.key),
    platform: await platformClient(db, server.url),
  };
});
afterAll(() => server?.close());

/**
 * One request per route, aimed at targets that do not exist where a target is named, so an allowed
 * caller reaches the handler (and gets 404, or creates something harmless) while a refused one gets
 * 403 before anything happens. `reach` is who gets past authorization.
 */
interface Case {
  method: string;
  path: string;
  body?: unknown;
  reach: Who[];
  /** Status for those who get through (defaults: 404 when a target is named, else 200). */
  ok: number;
}

const orgRoute = (action: Action) => [...(PERMISSIONS[action] as readonly string[]), 'platform'] as Who[];

function cases(orgId: string): Record<string, Case> {
  const o = `/orgs/${orgId}`;
  return {
    listOrganizations: { method: 'GET', path: '/orgs', reach: ['platform'], ok: 200 },
    createOrganization: {
      method: 'POST',
      path: '/orgs',
      body: { name: 'X', ownerEmail: 'nobody@example.test' },
      reach: ['platform'],
      ok: 404,
    },
    getOrganization: { method: 'GET', path: o, reach: orgRoute('org.read'), ok: 200 },
    updateOrganization: { method: 'PATCH', path: o, body: {}, reach: orgRoute('org.update'), ok: 200 },
    deleteOrganization: { method: 'DELETE', path: o, reach: [], ok: 204 },
    transferOwnership: { method: 'POST', path: `${o}/ownership`, body: { userId: NO_USER }, reach: ['owner'], ok: 404 },
    setAppPolicy: { method: 'PUT', path: `${o}/policy`, body: {}, reach: orgRoute('approvals.manage'), ok: 200 },
    listMembers: { method: 'GET', path: `${o}/members`, reach: orgRoute('members.read'), ok: 200 },
    changeMemberRole: {
      method: 'PATCH',
      path: `${o}/members/${NO_USER}`,
      body: { role: 'member' },
      reach: orgRoute('members.manage'),
      ok: 404,
    },
    removeMember: { method: 'DELETE', path: `${o}/members/${NO_USER}`, reach: orgRoute('members.manage'), ok: 404 },
    listInvitations: { method: 'GET', path: `${o}/invitations`, reach: orgRoute('invitations.manage'), ok: 200 },
    createInvitation: {
      method: 'POST',
      path: `${o}/invitations`,
      body: { email: 'new@example.test' },
      reach: orgRoute('invitations.manage'),
      ok: 201,
    },
    revokeInvitation: {
      method: 'DELETE',
      path: `${o}/invitations/${NO_INVITATION}`,
      reach: orgRoute('invitations.manage'),
      ok: 404,
    },
    acceptInvitation: {
      method: 'POST',
      path: '/invitations/accept',
      body: { token: 'inv_x.y' },
      reach: ['owner', 'admin', 'member', 'outsider'],
      ok: 404,
    },
    listOrgTeams: { method: 'GET', path: `${o}/teams`, reach: orgRoute('teams.read'), ok: 200 },
    createOrgTeam: {
      method: 'POST',
      path: `${o}/teams`,
      body: { name: 'T' },
      reach: orgRoute('teams.manage'),
      ok: 201,
    },
    renameOrgTeam: {
      method: 'PATCH',
      path: `${o}/teams/${NO_TEAM}`,
      body: { name: 'T' },
      reach: orgRoute('teams.manage'),
      ok: 404,
    },
    unassignOrgTeam: { method: 'DELETE', path: `${o}/teams/${NO_TEAM}`, reach: orgRoute('teams.manage'), ok: 404 },
    listTeams: { method: 'GET', path: '/teams', reach: ['platform'], ok: 200 },
    createTeam: { method: 'POST', path: '/teams', body: { name: 'T' }, reach: ['platform'], ok: 201 },
    updateTeam: { method: 'PATCH', path: `/teams/${NO_TEAM}`, body: { name: 'T' }, reach: ['platform'], ok: 404 },
    listApiKeys: { method: 'GET', path: `${o}/api-keys`, reach: orgRoute('apikeys.own'), ok: 200 },
    // Keys belong to people: a platform key cannot make one.
    createApiKey: {
      method: 'POST',
      path: `${o}/api-keys`,
      body: { name: 'K' },
      reach: ['owner', 'admin', 'member'],
      ok: 201,
    },
    revokeApiKey: { method: 'DELETE', path: `${o}/api-keys/${NO_KEY}`, reach: orgRoute('apikeys.own'), ok: 404 },
    listClients: { method: 'GET', path: `${o}/clients`, reach: orgRoute('clients.read'), ok: 200 },
    registerClient: {
      method: 'POST',
      path: `${o}/clients`,
      body: { name: 'C', redirectUris: ['https://c.example.test/cb'] },
      reach: orgRoute('clients.manage'),
      ok: 201,
    },
    getClient: { method: 'GET', path: `${o}/clients/cli_none`, reach: orgRoute('clients.read'), ok: 404 },
    updateClient: {
      method: 'PATCH',
      path: `${o}/clients/cli_none`,
      body: {},
      reach: orgRoute('clients.manage'),
      ok: 404,
    },
    rotateClientSecret: {
      method: 'POST',
      path: `${o}/clients/cli_none/secret`,
      reach: orgRoute('clients.manage'),
      ok: 404,
    },
    deleteClient: { method: 'DELETE', path: `${o}/clients/cli_none`, reach: orgRoute('clients.manage'), ok: 404 },
    listResourceServers: { method: 'GET', path: `${o}/resource-servers`, reach: orgRoute('resources.manage'), ok: 200 },
    createResourceServer: {
      method: 'POST',
      path: `${o}/resource-servers`,
      body: { uri: `https://r${Math.random()}.example.test/`.replace('0.', '') },
      reach: [],
      ok: 201,
    },
    updateResourceServer: {
      method: 'PATCH',
      path: `${o}/resource-servers?uri=https://none.example.test/`,
      body: {},
      reach: orgRoute('resources.manage'),
      ok: 404,
    },
    deleteResourceServer: {
      method: 'DELETE',
      path: `${o}/resource-servers?uri=https://none.example.test/`,
      reach: orgRoute('resources.manage'),
      ok: 404,
    },
    createPlatformResourceServer: {
      method: 'POST',
      path: '/resource-servers',
      body: { uri: `https://p${Math.random()}.example.test/`.replace('0.', '') },
      reach: ['platform'],
      ok: 201,
    },
    listBlockedHosts: { method: 'GET', path: `${o}/blocked-hosts`, reach: orgRoute('approvals.manage'), ok: 200 },
    blockHost: {
      method: 'PUT',
      path: `${o}/blocked-hosts`,
      body: { host: 'blocked.example.test' },
      reach: orgRoute('approvals.manage'),
      ok: 200,
    },
    unblockHost: {
      method: 'DELETE',
      path: `${o}/blocked-hosts?host=never-blocked.example.test`,
      reach: orgRoute('approvals.manage'),
      ok: 404,
    },
    listApprovals: { method: 'GET', path: `${o}/approvals/client`, reach: orgRoute('approvals.manage'), ok: 200 },
    approve: {
      method: 'PUT',
      path: `${o}/approvals/resource`,
      body: { ref: 'https://approved.example.test/' },
      reach: orgRoute('approvals.manage'),
      ok: 200,
    },
    withdrawApproval: {
      method: 'DELETE',
      path: `${o}/approvals/client?ref=cli_none`,
      reach: orgRoute('approvals.manage'),
      ok: 404,
    },
    listConnectedApps: { method: 'GET', path: `${o}/connected-apps`, reach: orgRoute('grants.own'), ok: 200 },
    revokeConnectedApp: {
      method: 'DELETE',
      path: `${o}/connected-apps/grant_none`,
      reach: orgRoute('grants.own'),
      ok: 404,
    },
    getCredits: { method: 'GET', path: `${o}/credits`, reach: orgRoute('credits.read'), ok: 200 },
    setOverdraftLimit: {
      method: 'PUT',
      path: `${o}/credits/overdraft`,
      body: { limit: 0 },
      reach: orgRoute('credits.settings'),
      ok: 200,
    },
    listCreditTransactions: {
      method: 'GET',
      path: `${o}/credits/transactions`,
      reach: orgRoute('credits.log'),
      ok: 200,
    },
    getCreditUsage: { method: 'GET', path: `${o}/credits/usage`, reach: orgRoute('credits.log'), ok: 200 },
    addCredits: {
      method: 'POST',
      path: `${o}/credits/credits`,
      body: { amount: 1, description: 'top-up' },
      reach: orgRoute('credits.add'),
      ok: 201,
    },
    // Without an Idempotency-Key those let through get 400, nothing charged.
    debitCredits: {
      method: 'POST',
      path: `${o}/credits/debits`,
      body: { amount: 1, description: 'use' },
      reach: orgRoute('credits.debit'),
      ok: 400,
    },
    listAuditEvents: { method: 'GET', path: `${o}/audit`, reach: orgRoute('audit.read'), ok: 200 },
    listTokenIssuance: { method: 'GET', path: `${o}/audit/token-issuance`, reach: orgRoute('audit.read'), ok: 200 },
  };
}

describe('roles × routes', () => {
  it('covers every route of the API', () => {
    expect(Object.keys(cases('org_x')).sort()).toEqual(API_ROUTES.map((r) => r.operationId).sort());
  });

  it('lets each role through exactly where the policy allows, and refuses the others with 403', async () => {
    const table = cases(acme.org._id);
    const outcomes: string[] = [];
    for (const [operation, c] of Object.entries(table)) {
      // Deleting the organization and registering the same resource twice are checked apart.
      const who =
        operation === 'deleteOrganization' || operation === 'createResourceServer'
          ? EVERYONE.filter((w) => w !== 'owner' && w !== 'platform' && w !== 'admin')
          : EVERYONE;
      for (const role of who) {
        const answer = await callers[role](c.method, c.path, c.body);
        const expected = c.reach.includes(role) ? c.ok : 403;
        if (answer.status !== expected)
          outcomes.push(
            `${operation} as ${role}: ${answer.status} (expected ${expected}) ${JSON.stringify(answer.body)}`,
          );
        if (answer.status === 403) expect(answer.headers.get('content-type')).toContain('application/problem+json');
      }
    }
    expect(outcomes).toEqual([]);
  });

  it('refuses every organization route to a credential of another organization before anything is written', async () => {
    const before = await server.stores.db.auditEvents.countDocuments({ orgId: acme.org._id });
    const teamsBefore = await server.stores.db.teams.countDocuments({ orgId: acme.org._id });
    for (const c of Object.values(cases(acme.org._id)).filter((c) => c.path.startsWith('/orgs/'))) {
      const answer = await callers.outsider(c.method, c.path, c.body);
      expect(answer.status, `${c.method} ${c.path}`).toBe(403);
      expect(answer.body).toMatchObject({ status: 403 });
    }
    expect(await server.stores.db.auditEvents.countDocuments({ orgId: acme.org._id })).toBe(before);
    expect(await server.stores.db.teams.countDocuments({ orgId: acme.org._id })).toBe(teamsBefore);
  });

  it('never reaches another organization’s members, teams, keys, clients or invitations through its own routes', async () => {
    const { db } = server.stores;
    const other = await orgWithRoles(db, server.url, 'Other Co');
    const o = `/orgs/${other.org._id}`;
    const team = await other.as.admin<{ id: string }>('POST', `${o}/teams`, { name: 'Theirs' });
    const key = await other.as.member<{ id: string }>('POST', `${o}/api-keys`, { name: 'theirs' });
    const registered = await other.as.admin<{ clientId: string }>('POST', `${o}/clients`, {
      name: 'Theirs',
      redirectUris: ['https://theirs.example.test/cb'],
    });
    const invitation = await other.as.admin<{ id: string }>('POST', `${o}/invitations`, { email: 'x@example.test' });
    const a = `/orgs/${acme.org._id}`;
    const attempts: Array<[string, string, unknown?]> = [
      ['PATCH', `${a}/members/${other.member._id}`, { role: 'admin' }],
      ['DELETE', `${a}/members/${other.member._id}`],
      ['PATCH', `${a}/teams/${team.body.id}`, { name: 'Mine now' }],
      ['DELETE', `${a}/teams/${team.body.id}`],
      ['DELETE', `${a}/api-keys/${key.body.id}`],
      ['GET', `${a}/clients/${registered.body.clientId}`],
      ['PATCH', `${a}/clients/${registered.body.clientId}`, { name: 'Mine now' }],
      ['POST', `${a}/clients/${registered.body.clientId}/secret`],
      ['DELETE', `${a}/clients/${registered.body.clientId}`],
      ['DELETE', `${a}/invitations/${invitation.body.id}`],
    ];
    for (const [method, path, body] of attempts) {
      const answer = await callers.owner(method, path, body);
      expect(answer.status, `${method} ${path}`).toBe(404);
    }
    expect((await other.as.admin<{ items: { name: string }[] }>('GET', `${o}/teams`)).body.items).toEqual([
      expect.objectContaining({ id: team.body.id, name: 'Theirs', orgId: other.org._id }),
    ]);
    expect((await other.as.member('GET', `${o}/api-keys`)).body).toMatchObject({
      items: expect.arrayContaining([expect.objectContaining({ id: key.body.id })]),
    });
    expect((await other.as.admin('GET', `${o}/clients/${registered.body.clientId}`)).body).toMatchObject({
      name: 'Theirs',
    });
    expect((await other.as.admin<{ items: unknown[] }>('GET', `${o}/invitations`)).body.items).toHaveLength(1);
    expect((await other.as.member('GET', `${o}/members`)).body).toMatchObject({ items: expect.any(Array) });
  });

  it('asks for credentials with 401 and a Bearer challenge, and refuses unknown keys', async () => {
    for (const credential of [
      undefined,
      'oa_live_0123456789abcdef_xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx',
      'oa_admin_0123456789abcdef_xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx',
      'garbage',
    ]) {
      const answer = await apiClient(server.url, credential)('GET', `/orgs/${acme.org._id}`);
      expect(answer.status).toBe(401);
      expect(answer.headers.get('www-authenticate')).toMatch(/^Bearer /);
      expect(answer.headers.get('content-type')).toContain('application/problem+json');
    }
  });
});
