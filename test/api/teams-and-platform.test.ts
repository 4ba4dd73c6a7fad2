import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ApiCall, auditActions, everyPage, orgWithRoles, platformClient } from '../support/api.js';
import { createUser, uniqueEmail } from '../support/factories.js';
import { startOidcServer } from '../support/oauth.js';

const PROBLEM = 'https://orgauth.dev/problems/';
const NO_TEAM = 'team_AAAAAAAAAAAAAAAAAAAAAA';
const NO_ORG = 'org_AAAAAAAAAAAAAAAAAAAAAA';
const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

interface Team {
  id: string;
  name: string;
  orgId: string | null;
  createdAt: string;
  updatedAt: string;
}
interface Organization {
  id: string;
  name: string;
  description: string;
  personal: boolean;
  createdAt: string;
  teamsCount?: number;
  membersCount?: number;
}
interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

let server: Awaited<ReturnType<typeof startOidcServer>>;
let platform: ApiCall;

beforeAll(async () => {
  server = await startOidcServer();
  platform = await platformClient(server.stores.db, server.url);
});
afterAll(() => server?.close());

describe('teams of an organization', () => {
  it('are created, renamed and listed by admins, with each change in the audit log', async () => {
    const acme = await orgWithRoles(server.stores.db, server.url, 'Teams Co');
    const o = `/orgs/${acme.org._id}`;
    const created = await acme.as.admin<Team>('POST', `${o}/teams`, { name: '  Blue  ' });
    expect(created.status).toBe(201);
    expect(created.body).toEqual({
      id: expect.stringMatching(/^team_/),
      name: 'Blue',
      orgId: acme.org._id,
      createdAt: expect.stringMatching(ISO),
      updatedAt: created.body.createdAt,
    });

    const renamed = await acme.as.owner<Team>('PATCH', `${o}/teams/${created.body.id}`, { name: 'Navy' });
    expect(renamed.status).toBe(200);
    expect(renamed.body).toMatchObject({ id: created.body.id, name: 'Navy', createdAt: created.body.createdAt });
    expect(Date.parse(renamed.body.updatedAt)).toBeGreaterThanOrEqual(Date.parse(created.body.createdAt));

    // Members read the teams but do not manage them.
    const listed = await acme.as.member<Page<Team>>('GET', `${o}/teams`);
    expect(listed.status).toBe(200);
    expect(listed.body).toEqual({ items: [renamed.body], nextCursor: null });
    const refused = await acme.as.member('POST', `${o}/teams`, { name: 'Sneaky' });
    expect(refused.status).toBe(403);
    expect(refused.headers.get('content-type')).toContain('application/problem+json');
    expect(refused.body).toMatchObject({ type: `${PROBLEM}forbidden`, status: 403 });
    expect((await acme.as.member('PATCH', `${o}/teams/${created.body.id}`, { name: 'Mine' })).status).toBe(403);
    expect((await acme.as.member<Page<Team>>('GET', `${o}/teams`)).body.items).toEqual([renamed.body]);

    expect(await auditActions(acme.as.owner, acme.org._id)).toEqual(
      expect.arrayContaining([`team.created ${created.body.id}`, `team.renamed ${created.body.id}`]),
    );
    const overview = await acme.as.member<Organization>('GET', o);
    expect(overview.body).toMatchObject({ teamsCount: 1, membersCount: 3 });
  });

  it('refuse invalid input with an invalid problem naming the field, and write nothing', async () => {
    const acme = await orgWithRoles(server.stores.db, server.url, 'Strict Teams Co');
    const o = `/orgs/${acme.org._id}`;
    const team = await acme.as.admin<Team>('POST', `${o}/teams`, { name: 'Kept' });
    const invalid = [
      [await acme.as.admin('POST', `${o}/teams`, { name: '   ' }), 'name'],
      [await acme.as.admin('POST', `${o}/teams`, { name: 'x'.repeat(101) }), 'name'],
      [await acme.as.admin('POST', `${o}/teams`, {}), 'name'],
      [await acme.as.admin('POST', `${o}/teams`, { name: 'Extra', orgId: acme.org._id }), 'input'],
      [await acme.as.admin('POST', `${o}/teams`, 'name=Form', { 'content-type': 'text/plain' }), 'body'],
      [await acme.as.admin('PATCH', `${o}/teams/${team.body.id}`, { name: '' }), 'name'],
      [await acme.as.admin('PATCH', `${o}/teams/team_short`, { name: 'Fine' }), 'teamId'],
      [await acme.as.admin('GET', `${o}/teams?limit=0`), 'limit'],
      [await acme.as.admin('GET', `${o}/teams?cursor=not-a-cursor!`), 'cursor'],
    ] as const;
    for (const [answer, field] of invalid) {
      expect(answer.status, field).toBe(400);
      expect(answer.headers.get('content-type')).toContain('application/problem+json');
      expect(answer.body).toMatchObject({
        type: `${PROBLEM}invalid`,
        status: 400,
        errors: { [field]: expect.any(String) },
      });
    }
    const missing = await acme.as.admin('PATCH', `${o}/teams/${NO_TEAM}`, { name: 'Ghost' });
    expect(missing.status).toBe(404);
    expect(missing.body).toMatchObject({ type: `${PROBLEM}not_found`, status: 404 });
    expect((await acme.as.admin<Page<Team>>('GET', `${o}/teams`)).body.items).toEqual([team.body]);
  });

  it('are unassigned without being deleted: gone from the organization, listed among unassigned teams', async () => {
    const acme = await orgWithRoles(server.stores.db, server.url, 'Unassigning Co');
    const o = `/orgs/${acme.org._id}`;
    const stays = await acme.as.admin<Team>('POST', `${o}/teams`, { name: 'Stays' });
    const leaves = await acme.as.admin<Team>('POST', `${o}/teams`, { name: 'Leaves' });

    const unassigned = await acme.as.admin<Team>('DELETE', `${o}/teams/${leaves.body.id}`);
    expect(unassigned.status).toBe(200);
    expect(unassigned.body).toMatchObject({ id: leaves.body.id, name: 'Leaves', orgId: null });
    expect((await acme.as.member<Page<Team>>('GET', `${o}/teams`)).body.items.map((t) => t.id)).toEqual([
      stays.body.id,
    ]);
    expect((await acme.as.admin<Organization>('GET', o)).body.teamsCount).toBe(1);
    const floating = await everyPage<Team>(platform, '/teams?unassigned=true', 100);
    expect(floating.find((t) => t.id === leaves.body.id)).toMatchObject({ name: 'Leaves', orgId: null });
    expect(floating.every((t) => t.orgId === null)).toBe(true);

    // Once it left, the organization's routes no longer reach it.
    expect((await acme.as.admin('DELETE', `${o}/teams/${leaves.body.id}`)).status).toBe(404);
    expect((await acme.as.admin('PATCH', `${o}/teams/${leaves.body.id}`, { name: 'Back' })).status).toBe(404);
    expect(await everyPage<Team>(platform, '/teams', 100)).toContainEqual(unassigned.body);
    expect(await auditActions(acme.as.owner, acme.org._id)).toContain(`team.unassigned ${leaves.body.id}`);
  });

  it('are listed page by page with cursors, each team exactly once', async () => {
    const acme = await orgWithRoles(server.stores.db, server.url, 'Many Teams Co');
    const o = `/orgs/${acme.org._id}`;
    const ids: string[] = [];
    for (const name of ['One', 'Two', 'Three', 'Four', 'Five']) {
      ids.push((await acme.as.admin<Team>('POST', `${o}/teams`, { name })).body.id);
    }
    const first = await acme.as.member<Page<Team>>('GET', `${o}/teams?limit=2`);
    expect(first.body.items).toHaveLength(2);
    expect(first.body.nextCursor).toEqual(expect.any(String));
    const second = await acme.as.member<Page<Team>>('GET', `${o}/teams?limit=2&cursor=${first.body.nextCursor}`);
    expect(second.body.items).toHaveLength(2);
    const third = await acme.as.member<Page<Team>>('GET', `${o}/teams?limit=2&cursor=${second.body.nextCursor}`);
    expect(third.body.items).toHaveLength(1);
    expect(third.body.nextCursor).toBeNull();
    const seen = [...first.body.items, ...second.body.items, ...third.body.items].map((t) => t.id);
    expect(seen).toEqual([...ids].sort());
    expect((await acme.as.member<Page<Team>>('GET', `${o}/teams?limit=5`)).body.nextCursor).toBeNull();
    expect(await everyPage<Team>(acme.as.member, `${o}/teams`, 3)).toHaveLength(5);
  });

  it('of another organization are out of reach, and nothing is written', async () => {
    const { db } = server.stores;
    const acme = await orgWithRoles(db, server.url, 'Near Co');
    const other = await orgWithRoles(db, server.url, 'Far Co');
    const theirs = await other.as.admin<Team>('POST', `/orgs/${other.org._id}/teams`, { name: 'Theirs' });
    const auditBefore = await db.auditEvents.countDocuments({ orgId: other.org._id });
    const teamsBefore = await db.teams.countDocuments({});

    // Their team through our organization's routes: it does not exist here.
    expect(
      (await acme.as.owner('PATCH', `/orgs/${acme.org._id}/teams/${theirs.body.id}`, { name: 'Ours' })).status,
    ).toBe(404);
    expect((await acme.as.owner('DELETE', `/orgs/${acme.org._id}/teams/${theirs.body.id}`)).status).toBe(404);
    // Their organization's routes with our credential: refused before anything happens.
    for (const [method, path, body] of [
      ['GET', `/orgs/${other.org._id}/teams`],
      ['POST', `/orgs/${other.org._id}/teams`, { name: 'Planted' }],
      ['PATCH', `/orgs/${other.org._id}/teams/${theirs.body.id}`, { name: 'Ours' }],
      ['DELETE', `/orgs/${other.org._id}/teams/${theirs.body.id}`],
    ] as const) {
      const answer = await acme.as.owner(method, path, body);
      expect(answer.status, `${method} ${path}`).toBe(403);
      // The key is bound to its own organization: an RFC 6750 insufficient_scope refusal.
      expect(answer.body).toMatchObject({ type: `${PROBLEM}insufficient_scope`, status: 403 });
      expect(answer.headers.get('www-authenticate')).toContain('insufficient_scope');
    }

    expect(await db.teams.countDocuments({})).toBe(teamsBefore);
    expect(await db.auditEvents.countDocuments({ orgId: other.org._id })).toBe(auditBefore);
    expect((await other.as.member<Page<Team>>('GET', `/orgs/${other.org._id}/teams`)).body.items).toEqual([
      theirs.body,
    ]);
  });
});

describe('teams across organizations (operators)', () => {
  it('are created assigned or not, moved between organizations and detached, each move audited', async () => {
    const { db } = server.stores;
    const acme = await orgWithRoles(db, server.url, 'Moving Co');
    const other = await orgWithRoles(db, server.url, 'Receiving Co');
    const floating = await platform<Team>('POST', '/teams', { name: 'Floating' });
    expect(floating.status).toBe(201);
    expect(floating.body).toMatchObject({ id: expect.stringMatching(/^team_/), name: 'Floating', orgId: null });
    const placed = await platform<Team>('POST', '/teams', { name: 'Placed', orgId: acme.org._id });
    expect(placed.body).toMatchObject({ name: 'Placed', orgId: acme.org._id });

    const assigned = await platform<Team>('PATCH', `/teams/${floating.body.id}`, { orgId: acme.org._id });
    expect(assigned.body).toMatchObject({ id: floating.body.id, name: 'Floating', orgId: acme.org._id });
    expect(
      (await acme.as.member<Page<Team>>('GET', `/orgs/${acme.org._id}/teams`)).body.items.map((t) => t.name),
    ).toEqual(expect.arrayContaining(['Floating', 'Placed']));

    const moved = await platform<Team>('PATCH', `/teams/${placed.body.id}`, { name: 'Moved', orgId: other.org._id });
    expect(moved.body).toMatchObject({ id: placed.body.id, name: 'Moved', orgId: other.org._id });
    expect(
      (await acme.as.member<Page<Team>>('GET', `/orgs/${acme.org._id}/teams`)).body.items.map((t) => t.id),
    ).toEqual([floating.body.id]);
    expect((await other.as.member<Page<Team>>('GET', `/orgs/${other.org._id}/teams`)).body.items).toEqual([
      expect.objectContaining({ id: placed.body.id, name: 'Moved' }),
    ]);

    const detached = await platform<Team>('PATCH', `/teams/${floating.body.id}`, { orgId: null });
    expect(detached.body).toMatchObject({ id: floating.body.id, orgId: null });
    expect((await acme.as.member<Page<Team>>('GET', `/orgs/${acme.org._id}/teams`)).body.items).toEqual([]);

    expect(await auditActions(acme.as.owner, acme.org._id)).toEqual(
      expect.arrayContaining([
        `team.assigned ${placed.body.id}`,
        `team.assigned ${floating.body.id}`,
        `team.unassigned ${placed.body.id}`,
        `team.unassigned ${floating.body.id}`,
      ]),
    );
    expect(await auditActions(other.as.owner, other.org._id)).toContain(`team.assigned ${placed.body.id}`);

    const all = await everyPage<Team>(platform, '/teams', 2);
    expect(new Set(all.map((t) => t.id)).size).toBe(all.length);
    expect(all.map((t) => t.id)).toEqual(expect.arrayContaining([floating.body.id, placed.body.id]));
    const unassignedOnly = await everyPage<Team>(platform, '/teams?unassigned=true', 2);
    expect(unassignedOnly.map((t) => t.id)).toContain(floating.body.id);
    expect(unassignedOnly.map((t) => t.id)).not.toContain(placed.body.id);
  });

  it('refuse unknown organizations and teams and invalid input, creating nothing', async () => {
    const { db } = server.stores;
    const before = await db.teams.countDocuments({});
    const missingOrg = await platform('POST', '/teams', { name: 'Orphan', orgId: NO_ORG });
    expect(missingOrg.status).toBe(404);
    expect(missingOrg.body).toMatchObject({ type: `${PROBLEM}not_found` });
    const missingTeam = await platform('PATCH', `/teams/${NO_TEAM}`, { name: 'Ghost' });
    expect(missingTeam.status).toBe(404);
    expect(missingTeam.body).toMatchObject({ type: `${PROBLEM}not_found` });

    const team = await platform<Team>('POST', '/teams', { name: 'Steady' });
    for (const [answer, field] of [
      [await platform('POST', '/teams', { name: '' }), 'name'],
      [await platform('POST', '/teams', { name: 'Bad org', orgId: 'acme' }), 'orgId'],
      [await platform('PATCH', `/teams/${team.body.id}`, { orgId: 'org_?' }), 'orgId'],
      [await platform('PATCH', `/teams/${team.body.id}`, { name: 'x'.repeat(101) }), 'name'],
      [await platform('PATCH', `/teams/${team.body.id}`, { color: 'red' }), 'input'],
      [await platform('GET', '/teams?unassigned=maybe'), 'unassigned'],
    ] as const) {
      expect(answer.status, field).toBe(400);
      expect(answer.body).toMatchObject({ type: `${PROBLEM}invalid`, errors: { [field]: expect.any(String) } });
    }
    const moveToNowhere = await platform('PATCH', `/teams/${team.body.id}`, { orgId: NO_ORG });
    expect(moveToNowhere.status).toBe(404);
    expect(await db.teams.countDocuments({})).toBe(before + 1);
    expect(await everyPage<Team>(platform, '/teams', 100)).toContainEqual(team.body);
  });
});

describe('organizations across the platform (operators)', () => {
  it('are created for a signed-up owner, who becomes their owner', async () => {
    const { db } = server.stores;
    const owner = await createUser(db, { email: uniqueEmail('founder') });
    const created = await platform<Organization>('POST', '/orgs', {
      name: '  Founded Co ',
      description: 'Made by an operator',
      ownerEmail: owner.email.toUpperCase(),
    });
    expect(created.status).toBe(201);
    expect(created.body).toEqual({
      id: expect.stringMatching(/^org_/),
      name: 'Founded Co',
      description: 'Made by an operator',
      personal: false,
      clientPolicy: 'any',
      resourcePolicy: 'any',
      teamsCount: 0,
      createdAt: expect.stringMatching(ISO),
    });
    const members = await platform<Page<{ userId: string; role: string }>>('GET', `/orgs/${created.body.id}/members`);
    expect(members.body.items).toEqual([expect.objectContaining({ userId: owner._id, role: 'owner' })]);
    const audit = await platform<Page<{ action: string; actor: { type: string } }>>(
      'GET',
      `/orgs/${created.body.id}/audit`,
    );
    expect(audit.body.items).toEqual([
      expect.objectContaining({ action: 'org.created', actor: expect.objectContaining({ type: 'platform' }) }),
    ]);
  });

  it('refuse an unknown owner and invalid input, creating no organization', async () => {
    const { db } = server.stores;
    const owner = await createUser(db);
    const before = await db.organizations.countDocuments({});
    const unknown = await platform('POST', '/orgs', { name: 'Nobody Co', ownerEmail: uniqueEmail('ghost') });
    expect(unknown.status).toBe(404);
    expect(unknown.body).toMatchObject({ type: `${PROBLEM}not_found`, status: 404 });
    for (const [body, field] of [
      [{ name: '', ownerEmail: owner.email }, 'name'],
      [{ name: 'x'.repeat(101), ownerEmail: owner.email }, 'name'],
      [{ name: 'No owner' }, 'ownerEmail'],
      [{ name: 'Bad owner', ownerEmail: 'not-an-email' }, 'ownerEmail'],
      [{ name: 'Long', description: 'd'.repeat(1001), ownerEmail: owner.email }, 'description'],
      [{ name: 'Personal', personal: true, ownerEmail: owner.email }, 'input'],
    ] as const) {
      const answer = await platform('POST', '/orgs', body);
      expect(answer.status, JSON.stringify(body).slice(0, 60)).toBe(400);
      expect(answer.body).toMatchObject({ type: `${PROBLEM}invalid`, errors: { [field]: expect.any(String) } });
    }
    expect(await db.organizations.countDocuments({})).toBe(before);
  });

  it('are listed with name, description, teams count and creation time, page by page', async () => {
    const { db } = server.stores;
    const owner = await createUser(db);
    const made: Organization[] = [];
    for (const [name, teams] of [
      ['Zero Teams', 0],
      ['Two Teams', 2],
      ['Three Teams', 3],
    ] as const) {
      const org = await platform<Organization>('POST', '/orgs', {
        name,
        description: `${name} described`,
        ownerEmail: owner.email,
      });
      for (let i = 0; i < teams; i++) await platform('POST', '/teams', { name: `${name} ${i}`, orgId: org.body.id });
      made.push(org.body);
    }
    // A team outside any organization counts nowhere.
    await platform('POST', '/teams', { name: 'Nowhere' });

    const all = await everyPage<Organization>(platform, '/orgs', 2);
    expect(new Set(all.map((o) => o.id)).size).toBe(all.length);
    expect(all.map((o) => o.id)).toEqual([...all.map((o) => o.id)].sort());
    for (const [org, teamsCount] of [
      [made[0], 0],
      [made[1], 2],
      [made[2], 3],
    ] as const) {
      expect(all.find((o) => o.id === org?.id)).toEqual(
        expect.objectContaining({
          name: org?.name,
          description: org?.description,
          teamsCount,
          createdAt: org?.createdAt,
          personal: false,
        }),
      );
    }
    // The owner's personal organization is listed too.
    expect(all.find((o) => o.id === owner.personalOrgId)).toMatchObject({ personal: true, teamsCount: 0 });
    const bad = await platform('GET', '/orgs?limit=101');
    expect(bad.status).toBe(400);
    expect(bad.body).toMatchObject({ type: `${PROBLEM}invalid`, errors: { limit: expect.any(String) } });
  });

  it('are edited and deleted by operators; deleting detaches the teams and drops the organization from the list', async () => {
    const { db } = server.stores;
    const acme = await orgWithRoles(db, server.url, 'Edited Co');
    const o = `/orgs/${acme.org._id}`;
    const team = await platform<Team>('POST', '/teams', { name: 'Survivor', orgId: acme.org._id });

    const edited = await platform<Organization>('PATCH', o, { name: 'Renamed Co', description: 'Now described' });
    expect(edited.status).toBe(200);
    expect(edited.body).toMatchObject({ id: acme.org._id, name: 'Renamed Co', description: 'Now described' });
    expect((await acme.as.member<Organization>('GET', o)).body).toMatchObject({
      name: 'Renamed Co',
      description: 'Now described',
      teamsCount: 1,
    });
    const invalid = await platform('PATCH', o, { name: ' ' });
    expect(invalid.status).toBe(400);
    expect(invalid.body).toMatchObject({ type: `${PROBLEM}invalid`, errors: { name: expect.any(String) } });
    expect((await platform('PATCH', o, { personal: true })).status).toBe(400);
    expect((await platform('PATCH', `/orgs/${NO_ORG}`, { name: 'Ghost' })).status).toBe(404);
    expect((await platform<Organization>('GET', o)).body).toMatchObject({ name: 'Renamed Co', personal: false });

    const personal = await platform('DELETE', `/orgs/${acme.owner.personalOrgId}`);
    expect(personal.status).toBe(400);
    expect(personal.body).toMatchObject({ type: `${PROBLEM}invalid` });

    expect((await platform('DELETE', o)).status).toBe(204);
    expect((await platform('GET', o)).status).toBe(404);
    expect((await platform('DELETE', o)).status).toBe(404);
    expect((await platform('PATCH', o, { name: 'Revived' })).status).toBe(404);
    const listed = await everyPage<Organization>(platform, '/orgs', 100);
    expect(listed.map((org) => org.id)).not.toContain(acme.org._id);
    expect(listed.map((org) => org.id)).toContain(acme.owner.personalOrgId);
    const teams = await everyPage<Team>(platform, '/teams?unassigned=true', 100);
    expect(teams.find((t) => t.id === team.body.id)).toMatchObject({ name: 'Survivor', orgId: null });
    const entry = await db.auditEvents.findOne({ orgId: acme.org._id, action: 'org.deleted' }).lean();
    expect(entry).toMatchObject({ actorType: 'platform', targetId: acme.org._id });
  });

  it('are out of reach of organization credentials: platform routes answer 403 and nothing is written', async () => {
    const { db } = server.stores;
    const acme = await orgWithRoles(db, server.url, 'Ordinary Co');
    const before = {
      orgs: await db.organizations.countDocuments({}),
      teams: await db.teams.countDocuments({}),
    };
    const team = (await acme.as.admin<Team>('POST', `/orgs/${acme.org._id}/teams`, { name: 'Ours' })).body;
    for (const call of [acme.as.owner, acme.as.admin, acme.as.member]) {
      for (const [method, path, body] of [
        ['GET', '/orgs'],
        ['POST', '/orgs', { name: 'Rogue Co', ownerEmail: acme.owner.email }],
        ['GET', '/teams'],
        ['POST', '/teams', { name: 'Rogue team' }],
        ['PATCH', `/teams/${team.id}`, { name: 'Taken', orgId: null }],
      ] as const) {
        const answer = await call(method, path, body);
        expect(answer.status, `${method} ${path}`).toBe(403);
        expect(answer.headers.get('content-type')).toContain('application/problem+json');
        expect(answer.body).toMatchObject({ type: `${PROBLEM}forbidden`, status: 403 });
      }
    }
    // Only owners (and operators) edit or delete the organization itself.
    expect((await acme.as.admin('PATCH', `/orgs/${acme.org._id}`, { name: 'Hijacked' })).status).toBe(403);
    expect((await acme.as.admin('DELETE', `/orgs/${acme.org._id}`)).status).toBe(403);

    expect(await db.organizations.countDocuments({})).toBe(before.orgs);
    expect(await db.teams.countDocuments({})).toBe(before.teams + 1);
    expect((await acme.as.member<Page<Team>>('GET', `/orgs/${acme.org._id}/teams`)).body.items).toEqual([team]);
    expect((await acme.as.member<Organization>('GET', `/orgs/${acme.org._id}`)).body.name).toBe('Ordinary Co');
  });
});
