import { BATCH_DELETE, declareCollection, openCollection } from '../stores/collections.js';
import { type Db, isDuplicateKeyError } from '../stores/db.js';
import { deleteInBatches } from '../stores/delete-in-batches.js';
import { type Page, type PageQuery, pageById } from '../stores/pagination.js';
import { cachedRead, forgetCached, forgetCachedPrefix } from '../stores/read-cache.js';
import { type MembershipDoc, membershipId, type Role } from './model.js';

export type Membership = MembershipDoc & { _id: string };

/** One document per membership, `_id` = `${orgId}:${userId}`. */
export const membershipsCollection = declareCollection({
  name: 'memberships',
  indexes: [{ key: { orgId: 1, _id: 1 } }, { key: { orgId: 1, role: 1 } }, { key: { userId: 1, _id: 1 } }],
  queries: ['{_id, orgId}', '{orgId, _id: range?} sort {_id: 1}', '{orgId}', '{orgId, role}'],
  unscopedQueries: [
    BATCH_DELETE,
    // A person's own organizations.
    '{userId}',
  ],
  shardKey: { orgId: 1, _id: 1 },
  hot: ['{_id, orgId}'],
});

const memberships = (db: Db) => openCollection<Membership>(db, membershipsCollection);
const CACHE = membershipsCollection.name;

/** False when the person is already a member. */
export async function insertMembership(db: Db, membership: Membership): Promise<boolean> {
  try {
    await db.memberships.create(membership);
    forgetCached(db, CACHE, membership._id);
    return true;
  } catch (error) {
    if (isDuplicateKeyError(error)) return false;
    throw error;
  }
}

/** A person's membership (role) in an organization; read from memory on the hot paths (read-cache.ts). */
export async function findMembership(db: Db, orgId: string, userId: string): Promise<Membership | null> {
  const _id = membershipId(orgId, userId);
  return cachedRead(db, CACHE, _id, () => memberships(db).findOne({ _id, orgId }));
}

export function pageMembershipsOfOrganization(db: Db, orgId: string, page: PageQuery): Promise<Page<Membership>> {
  return pageById<Membership>(db.memberships, { orgId }, page);
}

/** Owners are few, and `{orgId, role}` is indexed. */
export async function countOwners(db: Db, orgId: string): Promise<number> {
  return db.memberships.countDocuments({ orgId, role: 'owner' });
}

/**
 * The organization's members, counted up to `cap` (an organization may have tens of thousands, and
 * counting them all is a scan of them all).
 */
export async function countMembersUpTo(db: Db, orgId: string, cap: number): Promise<number> {
  return memberships(db).countDocuments({ orgId }, { limit: cap });
}

export async function setMemberRole(db: Db, orgId: string, userId: string, role: Role): Promise<void> {
  const _id = membershipId(orgId, userId);
  await db.memberships.updateOne({ _id, orgId }, { $set: { role } });
  forgetCached(db, CACHE, _id);
}

/** True when there was a membership to remove. */
export async function deleteMembership(db: Db, orgId: string, userId: string): Promise<boolean> {
  const _id = membershipId(orgId, userId);
  const result = await db.memberships.deleteOne({ _id, orgId });
  forgetCached(db, CACHE, _id);
  return result.deletedCount > 0;
}

/** A person's memberships in every organization: what they may choose among and switch between. */
export async function listMembershipsOfUserAcrossOrganizations(db: Db, userId: string): Promise<Membership[]> {
  return db.memberships.find({ userId }).lean<Membership[]>();
}

/** The user ids of the organization's members, `batchSize` at a time (in `_id` order). */
export async function* memberUserIdsOfOrganization(db: Db, orgId: string, batchSize = 1_000): AsyncGenerator<string[]> {
  let after: string | undefined;
  for (;;) {
    const rows = await memberships(db)
      .find(after ? { orgId, _id: { $gt: after } } : { orgId }, { projection: { _id: 1, userId: 1 } })
      .sort({ _id: 1 })
      .limit(batchSize)
      .toArray();
    if (rows.length) yield rows.map((row) => row.userId);
    after = rows.at(-1)?._id;
    if (rows.length < batchSize) return;
  }
}

/** Removes every membership of the organization (deletion); returns how many there were. */
export async function deleteMembershipsOfOrganization(db: Db, orgId: string): Promise<number> {
  try {
    return await deleteInBatches(memberships(db), { orgId });
  } finally {
    forgetCachedPrefix(db, CACHE, membershipId(orgId, ''));
  }
}
