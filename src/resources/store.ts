import { BATCH_DELETE, declareCollection, openCollection } from '../stores/collections.js';
import type { Db } from '../stores/db.js';
import { deleteInBatches } from '../stores/delete-in-batches.js';
import { type Page, type PageQuery, pageById } from '../stores/pagination.js';
import { cachedRead, forgetCached, forgetCachedPrefix } from '../stores/read-cache.js';
import type { ResourceServerDoc } from './model.js';

/** Resource servers by URI; `orgId` is null for platform-wide ones. */
export const resourceServersCollection = declareCollection({
  name: 'resource_servers',
  indexes: [{ key: { orgId: 1, _id: 1 } }],
  queries: ['{_id, orgId}', '{orgId, _id: range?} sort {_id: 1}', '{orgId}'],
  // Tokens name a resource by URI; which organization owns it is what the lookup finds out. An
  // indicator is resolved with one `{_id: in}` read of its candidate URIs (itself and the bases
  // above it, at most a few dozen). Batched deletes remove by `_id` what an organization-scoped
  // find selected (the same shape).
  unscopedQueries: [BATCH_DELETE, '{_id}'],
  shardKey: { _id: 1 },
  hot: [BATCH_DELETE],
});

const resourceServers = (db: Db) => openCollection<ResourceServerDoc>(db, resourceServersCollection);
const CACHE = resourceServersCollection.name;
/** Resolutions by indicator: the registrations among an indicator's candidate URIs. */
const BY_INDICATOR = `${CACHE}:by-indicator`;

/**
 * After a write of `uri`: forget it, and every cached resolution it may be part of. Those are the
 * indicators it is a candidate of, which all start with it (without its trailing slash).
 */
function forgetResource(db: Db, uri: string): void {
  forgetCached(db, CACHE, uri);
  forgetCachedPrefix(db, BY_INDICATOR, uri.replace(/\/$/, ''));
}

/** Inserts a resource server; a URI already registered fails with a duplicate key error. */
export async function insertResourceServer(db: Db, doc: ResourceServerDoc): Promise<void> {
  try {
    await resourceServers(db).insertOne(doc);
  } finally {
    forgetResource(db, doc._id);
  }
}

/** Token issuance names a resource by URI alone, in whichever organization owns it (or none). */
export function findResourceServerAcrossOrganizations(db: Db, uri: string): Promise<ResourceServerDoc | null> {
  return cachedRead(db, CACHE, uri, () => resourceServers(db).findOne({ _id: uri }));
}

/** The registered resource servers among an indicator's candidate URIs: one read, cached by indicator. */
export function findResourceServersByUris(
  db: Db,
  indicator: string,
  /** The URIs that could serve it, worked out only when the read is not cached. */
  urisOf: (indicator: string) => string[],
): Promise<readonly ResourceServerDoc[]> {
  return cachedRead(db, BY_INDICATOR, indicator, () =>
    resourceServers(db)
      .find({ _id: { $in: urisOf(indicator) } })
      .toArray(),
  );
}

/** A resource server of the organization; another organization's (or a platform-wide one) is not found. */
export function findOrgResourceServer(db: Db, orgId: string, uri: string): Promise<ResourceServerDoc | null> {
  return resourceServers(db).findOne({ _id: uri, orgId });
}

export function listResourceServersOfOrganization(
  db: Db,
  orgId: string,
  page: PageQuery,
): Promise<Page<ResourceServerDoc>> {
  return pageById<ResourceServerDoc>(resourceServers(db), { orgId }, page);
}

/** Changes a resource server of the organization; the changed one, or null when it has none by that URI. */
export async function updateOrgResourceServer(
  db: Db,
  orgId: string,
  uri: string,
  changes: Partial<Pick<ResourceServerDoc, 'scopes' | 'format' | 'accessTokenTtl'>>,
): Promise<ResourceServerDoc | null> {
  if (!Object.keys(changes).length) return findOrgResourceServer(db, orgId, uri);
  try {
    return await resourceServers(db).findOneAndUpdate(
      { _id: uri, orgId },
      { $set: changes },
      { returnDocument: 'after' },
    );
  } finally {
    forgetResource(db, uri);
  }
}

/** Whether the organization had a resource server by that URI to delete. */
export async function deleteOrgResourceServer(db: Db, orgId: string, uri: string): Promise<boolean> {
  const deleted = (await resourceServers(db).deleteOne({ _id: uri, orgId })).deletedCount > 0;
  forgetResource(db, uri);
  return deleted;
}

/** Every resource server of an organization (it is being deleted). */
export async function deleteResourceServersOfOrganization(db: Db, orgId: string): Promise<number> {
  try {
    return await deleteInBatches(resourceServers(db), { orgId });
  } finally {
    // Cached by URI, which does not name the organization: forget them all (organizations are rarely deleted).
    forgetCachedPrefix(db, CACHE, '');
    forgetCachedPrefix(db, BY_INDICATOR, '');
  }
}
