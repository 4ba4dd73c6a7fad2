import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { nameAuditParticipants } from '../../src/audit/participants.js';
import { orgWithRoles } from '../support/api.js';
import { startTestServer, testConfig } from '../support/harness.js';

let server: Awaited<ReturnType<typeof startTestServer>>;
beforeAll(async () => {
  server = await startTestServer(testConfig());
});
afterAll(() => server?.close());

interface AuditPage {
  items: Array<{ action: string; actor: { type: string; id: string; userId: string | null }; target: { id: string } }>;
}

describe('the audit log names who acted', () => {
  it('records the person an API key acted for, and names people, keys and teams on a page', async () => {
    const acme = await orgWithRoles(server.stores.db, server.url, 'Audited Co');
    const team = await acme.as.admin<{ id: string }>('POST', `/orgs/${acme.org._id}/teams`, { name: 'Night Shift' });
    expect(team.status).toBe(201);
    const audit = await acme.as.owner<AuditPage>('GET', `/orgs/${acme.org._id}/audit?action=team.created`);
    const [created] = audit.body.items;
    expect(created?.actor).toMatchObject({ type: 'api_key', userId: acme.admin._id });

    const names = await nameAuditParticipants(server.stores.db, acme.org._id, [
      { actor: created?.actor ?? { type: '', id: '' }, target: { type: 'team', id: team.body.id }, data: {} },
    ]);
    expect(names.get(`api_key:${created?.actor.id}`)).toBe(`key “test” of ${acme.admin.name || acme.admin.email}`);
    expect(names.get(`team:${team.body.id}`)).toBe('Night Shift');
    expect(names.get(`user:${acme.admin._id}`)).toBe(acme.admin.name || acme.admin.email);
  });
});
