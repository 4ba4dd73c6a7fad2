import { BATCH_DELETE, declareCollection, openCollection } from '../stores/collections.js';
import type { Db } from '../stores/db.js';
import { deleteInBatches } from '../stores/delete-in-batches.js';
import { type Page, type PageQuery, pageById } from '../stores/pagination.js';
import { cachedRead, forgetCached, forgetCachedPrefix } from '../stores/read-cache.js';
import type { ApiKeyDoc, PlatformKeyDoc } from './model.js';

export const apiKeysCollection = declareCollection({
  name: 'api_keys',
  indexes: [{ key: { orgId: 1, _id: 1 } }, { key: { orgId: 1, userId: 1, _id: 1 } }],
  queries: [
    '{_id, orgId}',
    '{orgId, _id: range?} sort {_id: 1}',
    '{orgId, userId, _id: range?} sort {_id: 1}',
    '{orgId, userId}',
    '{orgId}',
    // Names of the keys a page of the audit log mentions.
    '{orgId, _id: in}',
  ],
  // A presented key names its id, not its organization: found by id, then checked against the request's
  // organization. Batched deletes remove by `_id` what an organization-scoped find selected.
  unscopedQueries: [BATCH_DELETE, '{_id}'],
  shardKey: { _id: 1 },
  hot: ['{_id}'],
  shardNote: 'keys are looked up by id on every use',
});

export const platformKeysCollection = declareCollection({
  name: 'platform_keys',
  indexes: [],
  queries: [],
  // Operators' keys belong to no organization.
  unscopedQueries: ['{_id}'],
  shardKey: { _id: 1 },
});

const apiKeys = (db: Db) => openCollection<ApiKeyDoc>(db, apiKeysCollection);
const platformKeys = (db: Db) => openCollection<PlatformKeyDoc>(db, platformKeysCollection);
const CACHE = apiKeysCollection.name;

export async function insertApiKey(db: Db, doc: ApiKeyDoc): Promise<void> {
  await apiKeys(db).insertOne(doc);
  forgetCached(db, CACHE, doc._id);
}

/** A key of the organization; another organization's is not found. */
export function findApiKey(db: Db, orgId: string, keyId: string): Promise<ApiKeyDoc | null> {
  return apiKeys(db).findOne({ _id: keyId, orgId });
}

/** A presented key names only its id: verification finds it here, then checks its organization. */
export function findApiKeyAcrossOrganizations(db: Db, keyId: string): Promise<ApiKeyDoc | null> {
  return cachedRead(db, CACHE, keyId, () => apiKeys(db).findOne({ _id: keyId }));
}

/** The team a key of the organization spends for, if any (from the key's cached record). */
export async function findApiKeyTeam(db: Db, orgId: string, keyId: string): Promise<string | undefined> {
  const doc = await findApiKeyAcrossOrganizations(db, keyId);
  return doc?.orgId === orgId ? (doc.teamId ?? undefined) : undefined;
}

/** Name and owner of each of these keys of the organization (deleted keys are missing). */
export async function findApiKeyNamesOfOrganization(
  db: Db,
  orgId: string,
  keyIds: string[],
): Promise<Map<string, { name: string; userId: string }>> {
  if (!keyIds.length) return new Map();
  const rows = await apiKeys(db)
    .find({ orgId, _id: { $in: [...new Set(keyIds)] } }, { projection: { name: 1, userId: 1 } })
    .toArray();
  return new Map(rows.map((row) => [row._id, { name: row.name, userId: row.userId }]));
}

/** The organization's keys, or only one member's, by id. */
export function listApiKeysOfOrganization(
  db: Db,
  orgId: string,
  owner: 'all' | { userId: string },
  page: PageQuery,
): Promise<Page<ApiKeyDoc>> {
  return pageById<ApiKeyDoc>(apiKeys(db), owner === 'all' ? { orgId } : { orgId, userId: owner.userId }, page);
}

export async function touchApiKeyLastUsed(db: Db, orgId: string, keyId: string, at: Date): Promise<void> {
  await apiKeys(db).updateOne({ _id: keyId, orgId }, { $set: { lastUsedAt: at } });
  // Once a minute per key at most: the next check reads the new time instead of touching again.
  forgetCached(db, CACHE, keyId);
}

/** Whether the organization's key was there to delete. */
export async function deleteApiKey(db: Db, orgId: string, keyId: string): Promise<boolean> {
  const deleted = (await apiKeys(db).deleteOne({ _id: keyId, orgId })).deletedCount > 0;
  forgetCached(db, CACHE, keyId);
  return deleted;
}

/** Deletes a member's keys in the organization; the ids of the keys deleted. */
export async function deleteApiKeysOfMember(db: Db, orgId: string, userId: string): Promise<string[]> {
  const keys = await apiKeys(db)
    .find({ orgId, userId }, { projection: { _id: 1 } })
    .toArray();
  await apiKeys(db).deleteMany({ orgId, userId });
  for (const key of keys) forgetCached(db, CACHE, key._id);
  return keys.map((key) => key._id);
}

/** Every key of an organization (it is being deleted). */
export async function deleteApiKeysOfOrganization(db: Db, orgId: string): Promise<number> {
  try {
    return await deleteInBatches(apiKeys(db), { orgId });
  } finally {
    // Cached by key id, which does not name the organization: forget them all (organizations are rarely deleted).
    forgetCachedPrefix(db, CACHE, '');
  }
}

export async function insertPlatformKey(db: Db, doc: PlatformKeyDoc): Promise<void> {
  await platformKeys(db).insertOne(doc);
}

export function findPlatformKey(db: Db, keyId: string): Promise<PlatformKeyDoc | null> {
  return platformKeys(db).findOne({ _id: keyId });
}
