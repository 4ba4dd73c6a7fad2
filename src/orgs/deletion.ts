import type Provider from 'oidc-provider';
import { InvalidError } from '../errors.js';
import { pageClientIdsOfOrganization } from '../oidc/clients-store.js';
import { grantIdsOfOrganization } from '../oidc/grants-store.js';
import type { RevocationPublisher } from '../revocation/publisher.js';
import { deleteOrgClient, revokeGrantsById } from '../revocation/service.js';
import type { Db } from '../stores/db.js';
import { detachTeams } from '../teams/service.js';
import { getOrganization } from './service.js';

/**
 * Deletes an organization. It is marked first (from then on it exists for nobody), then each step
 * removes what belongs to it; every step can run again, so a crash is finished by running
 * `finishOrganizationDeletion` (the periodic sweep does). Teams are detached, never deleted; the
 * organization's record stays as a tombstone so its audit log keeps its subject.
 */
export async function deleteOrganization(provider: Provider, db: Db, publisher: RevocationPublisher, orgId: string) {
  const org = await getOrganization(db, orgId);
  if (org.personal) throw new InvalidError('a personal organization cannot be deleted');
  await db.organizations.updateOne({ _id: orgId }, { $set: { deletingAt: new Date() } });
  return finishOrganizationDeletion(provider, db, publisher, orgId);
}

export async function finishOrganizationDeletion(
  provider: Provider,
  db: Db,
  publisher: RevocationPublisher,
  orgId: string,
) {
  const at = Date.now();
  const members = await db.memberships.find({ orgId }, { userId: 1 }).lean();
  let clientsDeleted = 0;
  for (;;) {
    const page = await pageClientIdsOfOrganization(db, orgId, { limit: 100 });
    for (const client of page.items) await deleteOrgClient(provider, db, publisher, orgId, client._id);
    clientsDeleted += page.items.length;
    if (!page.nextCursor) break;
  }
  for (;;) {
    const grantIds = await grantIdsOfOrganization(db, orgId, 100);
    await revokeGrantsById(provider, db, grantIds);
    if (grantIds.length < 100) break;
  }
  const teamsDetached = await detachTeams(db, orgId);
  await Promise.all([
    db.apiKeys.deleteMany({ orgId }),
    db.invitations.deleteMany({ orgId }),
    db.approvals.deleteMany({ orgId }),
    db.resourceServers.deleteMany({ orgId }),
  ]);
  await db.memberships.deleteMany({ orgId });
  for (const member of members) await publisher.publish({ kind: 'member', sub: member.userId, orgId, at });
  await db.organizations.updateOne({ _id: orgId }, { $set: { deletionDone: true } });
  return { orgId, membersRemoved: members.length, clientsDeleted, teamsDetached };
}

/** Finishes deletions a crash interrupted (organizations marked more than a minute ago). */
export async function finishInterruptedDeletions(provider: Provider, db: Db, publisher: RevocationPublisher) {
  const stuck = await db.organizations
    .find({ deletingAt: { $lte: new Date(Date.now() - 60_000) }, deletionDone: { $ne: true } }, { _id: 1 })
    .lean();
  for (const org of stuck) await finishOrganizationDeletion(provider, db, publisher, org._id);
  return stuck.length;
}
