import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { approve } from '../../src/orgs/approvals.js';
import { deleteApprovalsOfOrganization, isApproved } from '../../src/orgs/approvals-store.js';
import { createInvitation, listInvitations } from '../../src/orgs/invitations.js';
import { deleteInvitationsOfOrganization } from '../../src/orgs/invitations-store.js';
import {
  countMembersUpTo,
  deleteMembershipsOfOrganization,
  memberUserIdsOfOrganization,
} from '../../src/orgs/members-store.js';
import {
  findOrganization,
  findStuckDeletionsOfPlatform,
  markOrganizationDeleting,
  markOrganizationDeletionDone,
} from '../../src/orgs/organizations-store.js';
import { getMembership } from '../../src/orgs/service.js';
import type { Stores } from '../../src/stores/index.js';
import { addMemberAs, createOrg, createUser, uniqueEmail } from '../support/factories.js';
import { openTestStores } from '../support/harness.js';

let stores: Stores;
beforeAll(async () => {
  stores = await openTestStores();
});
afterAll(() => stores.close());

async function orgWithMembers(count: number) {
  const owner = await createUser(stores.db);
  const org = await createOrg(stores.db, owner._id);
  const people = [owner._id];
  for (let i = 1; i < count; i++) {
    const person = await createUser(stores.db);
    await addMemberAs(stores.db, org._id, person._id);
    people.push(person._id);
  }
  return { org, owner, people };
}

describe('organization stores', () => {
  it('list an organization’s member ids batch by batch, and count members only up to a cap', async () => {
    const { org, people } = await orgWithMembers(5);
    const batches: string[][] = [];
    for await (const batch of memberUserIdsOfOrganization(stores.db, org._id, 2)) batches.push(batch);
    expect(batches.map((b) => b.length)).toEqual([2, 2, 1]);
    expect(batches.flat().sort()).toEqual([...people].sort());
    expect(await countMembersUpTo(stores.db, org._id, 3)).toBe(3);
    expect(await countMembersUpTo(stores.db, org._id, 100)).toBe(5);
  });

  it('delete one organization’s memberships, invitations and approvals and nobody else’s', async () => {
    const doomed = await orgWithMembers(3);
    const kept = await orgWithMembers(2);
    for (const { org, owner } of [doomed, kept]) {
      await createInvitation(
        stores.db,
        { orgId: org._id, invitedBy: owner._id, standing: 'owner' },
        { email: uniqueEmail() },
      );
      await approve(stores.db, org._id, 'client', 'client-1', owner._id);
    }

    expect(await deleteMembershipsOfOrganization(stores.db, doomed.org._id)).toBe(3);
    expect(await deleteInvitationsOfOrganization(stores.db, doomed.org._id)).toBe(1);
    expect(await deleteApprovalsOfOrganization(stores.db, doomed.org._id)).toBe(1);

    expect(await countMembersUpTo(stores.db, doomed.org._id, 10)).toBe(0);
    expect((await listInvitations(stores.db, doomed.org._id, { limit: 10 })).items).toEqual([]);
    expect(await isApproved(stores.db, doomed.org._id, 'client', 'client-1')).toBe(false);
    expect(await countMembersUpTo(stores.db, kept.org._id, 10)).toBe(2);
    expect(await getMembership(stores.db, kept.org._id, kept.owner._id)).toMatchObject({ role: 'owner' });
    expect((await listInvitations(stores.db, kept.org._id, { limit: 10 })).items).toHaveLength(1);
    expect(await isApproved(stores.db, kept.org._id, 'client', 'client-1')).toBe(true);
  });

  it('find the deletions that started and never finished', async () => {
    const { org: stuck } = await orgWithMembers(1);
    const { org: finished } = await orgWithMembers(1);
    const { org: recent } = await orgWithMembers(1);
    const longAgo = new Date(Date.now() - 3_600_000);
    await markOrganizationDeleting(stores.db, stuck._id, longAgo);
    await markOrganizationDeleting(stores.db, finished._id, longAgo);
    await markOrganizationDeletionDone(stores.db, finished._id);
    await markOrganizationDeleting(stores.db, recent._id);

    const found = await findStuckDeletionsOfPlatform(stores.db, new Date(Date.now() - 60_000));
    expect(found).toContain(stuck._id);
    expect(found).not.toContain(finished._id);
    expect(found).not.toContain(recent._id);
    expect(await findOrganization(stores.db, finished._id)).toMatchObject({ deletionDone: true });
  });
});
