import type Provider from 'oidc-provider';
import { deleteApiKeysOfOrganization } from '../apikeys/store.js';
import { InvalidError } from '../errors.js';
import { pageClientIdsOfOrganization } from '../oidc/clients-store.js';
import { grantsOfOrganization } from '../oidc/grants-store.js';
import { deleteResourceServersOfOrganization } from '../resources/store.js';
import type { RevocationPublisher } from '../revocation/publisher.js';
import { deleteOrgClient, revokeGrants } from '../revocation/service.js';
import type { Db } from '../stores/db.js';
import { detachTeams } from '../teams/service.js';
import { deleteApprovalsOfOrganization } from './approvals-store.js';
import { deleteBlockedHostsOfOrganization } from './blocked-hosts-store.js';
import { deleteInvitationsOfOrganization } from './invitations-store.js';
import { deleteMembershipsOfOrganization, memberUserIdsOfOrganization } from './members-store.js';
import {
  findStuckDeletionsOfPlatform,
  markOrganizationDeleting,
  markOrganizationDeletionDone,
} from './organizations-store.js';
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
  await markOrganizationDeleting(db, orgId);
  return finishOrganizationDeletion(provider, db, publisher, orgId);
}

export async function finishOrganizationDeletion(
  provider: Provider,
  db: Db,
  publisher: RevocationPublisher,
  orgId: string,
) {
  const at = Date.now();
  let clientsDeleted = 0;
  for (;;) {
    const page = await pageClientIdsOfOrganization(db, orgId, { limit: 100 });
    for (const client of page.items) await deleteOrgClient(provider, db, publisher, orgId, client._id);
    clientsDeleted += page.items.length;
    if (!page.nextCursor) break;
  }
  for (;;) {
    const grants = await grantsOfOrganization(db, orgId, 100);
    await revokeGrants(provider, db, grants);
    if (grants.length < 100) break;
  }
  const teamsDetached = await detachTeams(db, orgId);
  await Promise.all([
    deleteApiKeysOfOrganization(db, orgId),
    deleteInvitationsOfOrganization(db, orgId),
    deleteApprovalsOfOrganization(db, orgId),
    deleteBlockedHostsOfOrganization(db, orgId),
    deleteResourceServersOfOrganization(db, orgId),
  ]);
  // Members are told (revocation notices) batch by batch before their memberships go: a crash in
  // between repeats the notices, never skips them.
  let membersRemoved = 0;
  for await (const userIds of memberUserIdsOfOrganization(db, orgId)) {
    for (const userId of userIds) await publisher.publish({ kind: 'member', sub: userId, orgId, at });
    membersRemoved += userIds.length;
  }
  await deleteMembershipsOfOrganization(db, orgId);
  await markOrganizationDeletionDone(db, orgId);
  return { orgId, membersRemoved, clientsDeleted, teamsDetached };
}

/** Finishes deletions a crash interrupted (organizations marked more than a minute ago). */
export async function finishInterruptedDeletions(provider: Provider, db: Db, publisher: RevocationPublisher) {
  const stuck = await findStuckDeletionsOfPlatform(db, new Date(Date.now() - 60_000));
  for (const orgId of stuck) await finishOrganizationDeletion(provider, db, publisher, orgId);
  return stuck.length;
}
