import { declareCollection, openCollection } from '../stores/collections.js';
import type { Db } from '../stores/db.js';
import { type Page, type PageQuery, pageById } from '../stores/pagination.js';
import { cachedRead, forgetCached } from '../stores/read-cache.js';
import type { OrganizationDoc } from './model.js';

export type Organization = OrganizationDoc & { _id: string };

/** An organization's own `_id` is its id, so `{_id}` is that organization's row and no other's. */
export const organizationsCollection = declareCollection({
  name: 'organizations',
  indexes: [{ key: { deletingAt: 1, _id: 1 } }],
  queries: [],
  unscopedQueries: [
    '{_id}',
    // A person's own organizations (found through their memberships).
    '{_id: in, deletingAt}',
    // Operators' list of every organization, and the sweep that finishes interrupted deletions.
    '{deletingAt, _id: range?} sort {_id: 1}',
    '{deletingAt: range, deletionDone: other}',
  ],
  shardKey: { _id: 1 },
  hot: ['{_id}'],
});

const organizations = (db: Db) => openCollection<Organization>(db, organizationsCollection);
const CACHE = organizationsCollection.name;

/** What may change on an organization after it is created. */
export type OrganizationChanges = Partial<
  Pick<Organization, 'name' | 'description' | 'clientPolicy' | 'resourcePolicy'>
>;

export async function insertOrganization(db: Db, org: Organization): Promise<void> {
  await db.organizations.create(org);
  forgetCached(db, CACHE, org._id);
}

/**
 * The organization's record, also while it is being deleted (callers decide what that means); read
 * from memory on the hot paths (read-cache.ts).
 */
export async function findOrganization(db: Db, orgId: string): Promise<Organization | null> {
  return cachedRead(db, CACHE, orgId, () => organizations(db).findOne({ _id: orgId }));
}

export async function updateOrganizationRecord(db: Db, orgId: string, changes: OrganizationChanges, at: Date) {
  await db.organizations.updateOne({ _id: orgId }, { $set: { ...changes, updatedAt: at } });
  forgetCached(db, CACHE, orgId);
}

/** A person's organizations, given the ids their memberships name; organizations being deleted are left out. */
export async function findLiveOrganizationsAcrossOrganizations(db: Db, orgIds: string[]): Promise<Organization[]> {
  if (!orgIds.length) return [];
  return db.organizations.find({ _id: { $in: orgIds }, deletingAt: null }).lean<Organization[]>();
}

/** Operators: every organization that is not being deleted, page by page. */
export function pageOrganizationsOfPlatform(db: Db, page: PageQuery): Promise<Page<Organization>> {
  return pageById<Organization>(db.organizations, { deletingAt: null }, page);
}

/** From now on the organization exists for nobody; deletion.ts removes what belongs to it. */
export async function markOrganizationDeleting(db: Db, orgId: string, at = new Date()): Promise<void> {
  await db.organizations.updateOne({ _id: orgId }, { $set: { deletingAt: at } });
  forgetCached(db, CACHE, orgId);
}

export async function markOrganizationDeletionDone(db: Db, orgId: string): Promise<void> {
  await db.organizations.updateOne({ _id: orgId }, { $set: { deletionDone: true } });
  forgetCached(db, CACHE, orgId);
}

/** Ids of organizations whose deletion started before `markedBefore` and never finished (a crash), on the whole platform. */
export async function findStuckDeletionsOfPlatform(db: Db, markedBefore: Date): Promise<string[]> {
  const rows = await db.organizations
    .find({ deletingAt: { $lte: markedBefore }, deletionDone: { $ne: true } }, { _id: 1 })
    .lean<Array<{ _id: string }>>();
  return rows.map((row) => row._id);
}
