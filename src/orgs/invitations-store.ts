import { BATCH_DELETE, declareCollection, openCollection } from '../stores/collections.js';
import { type Db, isDuplicateKeyError } from '../stores/db.js';
import { deleteInBatches } from '../stores/delete-in-batches.js';
import { type Page, type PageQuery, pageById } from '../stores/pagination.js';
import type { InvitationDoc } from './model.js';

export const invitationsCollection = declareCollection({
  name: 'invitations',
  indexes: [{ key: { orgId: 1, _id: 1 } }],
  queries: ['{_id, orgId}', '{orgId, acceptedAt, _id: range?} sort {_id: 1}', '{orgId}'],
  // An invitation link carries the invitation's id and secret, not its organization; deleteInBatches
  // removes an organization's invitations one `_id` at a time.
  unscopedQueries: [BATCH_DELETE, '{_id}'],
  shardKey: { orgId: 1, _id: 1 },
});

/** One per used invitation, `_id` = the invitation's: inserting it is what makes an invitation single-use. */
export const invitationAcceptancesCollection = declareCollection({
  name: 'invitation_acceptances',
  indexes: [],
  queries: [],
  unscopedQueries: ['{_id}'],
  shardKey: { _id: 1 },
});

const invitations = (db: Db) => openCollection<InvitationDoc>(db, invitationsCollection);

export async function insertInvitation(db: Db, doc: InvitationDoc): Promise<void> {
  await db.invitations.create(doc);
}

export async function findInvitation(db: Db, orgId: string, invitationId: string): Promise<InvitationDoc | null> {
  return db.invitations.findOne({ _id: invitationId, orgId }).lean<InvitationDoc>();
}

/** The invitation a link names: the link carries the invitation's id (and secret), not its organization. */
export async function findInvitationAcrossOrganizations(db: Db, invitationId: string): Promise<InvitationDoc | null> {
  return db.invitations.findOne({ _id: invitationId }).lean<InvitationDoc>();
}

/** The organization's invitations nobody has accepted yet (expired ones included), page by page. */
export function pagePendingInvitationsOfOrganization(
  db: Db,
  orgId: string,
  page: PageQuery,
): Promise<Page<InvitationDoc>> {
  return pageById<InvitationDoc>(db.invitations, { orgId, acceptedAt: null }, page);
}

export async function deleteInvitation(db: Db, orgId: string, invitationId: string): Promise<void> {
  await db.invitations.deleteOne({ _id: invitationId, orgId });
}

/** False when the invitation was already used (by anyone). */
export async function recordInvitationAcceptance(db: Db, invitationId: string, userId: string): Promise<boolean> {
  try {
    await db.invitationAcceptances.create({ _id: invitationId, userId, createdAt: new Date() });
    return true;
  } catch (error) {
    if (isDuplicateKeyError(error)) return false;
    throw error;
  }
}

export async function markInvitationAccepted(db: Db, orgId: string, invitationId: string, userId: string) {
  await db.invitations.updateOne(
    { _id: invitationId, orgId },
    { $set: { acceptedAt: new Date(), acceptedBy: userId } },
  );
}

/**
 * Removes every invitation of the organization (deletion). Their acceptance records stay: they
 * hold no organization and only keep a used link from being used again.
 */
export function deleteInvitationsOfOrganization(db: Db, orgId: string): Promise<number> {
  return deleteInBatches(invitations(db), { orgId });
}
