import { declareCollection, openCollection } from '../stores/collections.js';
import type { Db } from '../stores/db.js';
import { isDuplicateKeyError } from '../stores/db.js';
import { type Page, type PageQuery, pageById } from '../stores/pagination.js';
import { cachedRead, forgetCached } from '../stores/read-cache.js';
import { decodeStoredRecord, type StoredRecord } from './adapters/stored-record.js';
import type { AdapterPayload } from './adapters/types.js';

/** oidc-provider's grants, by grant id. */
export const oidcGrantsCollection = declareCollection({
  name: 'oidc_Grant',
  indexes: [{ key: { expiresAt: 1 }, ttl: true }],
  queries: [],
  unscopedQueries: ['{_id}', '{_id: in}', '{expiresAt: range}'],
  shardKey: { _id: 1 },
  hot: ['{_id}'],
});

/**
 * The link between an oidc-provider grant and the one organization it was authorized in.
 * oidc-provider's models keep an allow-list of fields, so the organization lives beside the grant,
 * keyed by grant id.
 */
export interface GrantOrg {
  _id: string;
  orgId: string;
  userId: string;
  clientId: string;
  createdAt: Date;
  /** When a token was last issued from the grant (connected apps show it). */
  lastUsedAt?: Date | null;
}

export const grantOrgsCollection = declareCollection({
  name: 'grant_orgs',
  indexes: [
    { key: { orgId: 1, _id: 1 } },
    { key: { orgId: 1, userId: 1, _id: 1 } },
    { key: { orgId: 1, clientId: 1 } },
    { key: { clientId: 1 } },
  ],
  queries: ['{_id, orgId}', '{orgId, userId?, _id: range?} sort {_id: 1}', '{orgId, userId}'],
  // Tokens carry their grant id only, so the token endpoint finds a grant's organization by id;
  // deleting a client reaches its grants in every organization.
  unscopedQueries: ['{_id}', '{clientId}'],
  shardKey: { _id: 1 },
  hot: ['{_id}'],
  shardNote: 'looked up by grant id on every token request',
});

/** The one grant of a (person, client, organization), `_id` = that triple. */
export const grantTriplesCollection = declareCollection({
  name: 'grant_triples',
  indexes: [],
  queries: [],
  unscopedQueries: ['{_id}', '{_id, grantId}'],
  shardKey: { _id: 1 },
});

const grantOrgs = (db: Db) => openCollection<GrantOrg>(db, grantOrgsCollection);
const grantTriples = (db: Db) => openCollection<{ _id: string; grantId: string }>(db, grantTriplesCollection);

export const tripleKey = (userId: string, clientId: string, orgId: string) => JSON.stringify([userId, clientId, orgId]);

/**
 * The organization a grant was authorized in: what a token request (which names only the grant)
 * needs. Read from memory on the hot paths; `lastUsedAt` of this copy may be behind (connected-app
 * lists read it from the store).
 */
export async function findGrantOrg(db: Db, grantId: string): Promise<GrantOrg | null> {
  return cachedRead(db, grantOrgsCollection.name, grantId, () => grantOrgs(db).findOne({ _id: grantId }));
}

/** A grant of the organization, never another organization's. */
export async function findGrantOfOrganization(db: Db, orgId: string, grantId: string): Promise<GrantOrg | null> {
  return grantOrgs(db).findOne({ _id: grantId, orgId });
}

export async function findGrantIdForTriple(
  db: Db,
  userId: string,
  clientId: string,
  orgId: string,
): Promise<string | undefined> {
  return (await grantTriples(db).findOne({ _id: tripleKey(userId, clientId, orgId) }))?.grantId;
}

/** The organization's grants (or one person's there), page by page. */
export function pageGrantsOfOrganization(
  db: Db,
  orgId: string,
  filter: { userId?: string | undefined },
  page: PageQuery,
): Promise<Page<GrantOrg>> {
  return pageById<GrantOrg>(grantOrgs(db), { orgId, ...(filter.userId ? { userId: filter.userId } : {}) }, page);
}

/** A person's grants in one organization (a removed member loses them all). */
export function grantsOfMember(db: Db, orgId: string, userId: string): Promise<GrantOrg[]> {
  return grantOrgs(db).find({ orgId, userId }).toArray();
}

/** A client's grants in every organization (deleting a client ends them all). */
export function grantsOfClientAcrossOrganizations(db: Db, clientId: string): Promise<GrantOrg[]> {
  return grantOrgs(db).find({ clientId }).toArray();
}

/** The organization's grants, up to `limit` at a time (deletion revokes them batch by batch). */
export function grantsOfOrganization(db: Db, orgId: string, limit: number): Promise<GrantOrg[]> {
  return grantOrgs(db).find({ orgId }).sort({ _id: 1 }).limit(limit).toArray();
}

/**
 * Records a grant's organization. The grant_orgs row is written first: a grant is only ever used
 * through its id, so a crash before the triple row leaves a usable grant that the next consent
 * simply does not reuse (it creates a fresh one and repoints the triple).
 */
export async function linkGrantToOrg(db: Db, link: Omit<GrantOrg, 'createdAt'>): Promise<void> {
  try {
    await grantOrgs(db).insertOne({ ...link, createdAt: new Date() });
    forgetCached(db, grantOrgsCollection.name, link._id);
  } catch (error) {
    if (!isDuplicateKeyError(error)) throw error;
    const existing = await findGrantOrg(db, link._id);
    if (existing?.orgId !== link.orgId) throw new Error('grant is already bound to another organization');
  }
  await grantTriples(db).replaceOne(
    { _id: tripleKey(link.userId, link.clientId, link.orgId) },
    { grantId: link._id },
    { upsert: true },
  );
}

/** When tokens were last issued from these grants, in one write. */
export async function touchGrants(db: Db, lastUsed: Map<string, Date>): Promise<void> {
  const operations = [...lastUsed].map(([grantId, at]) => ({
    updateOne: { filter: { _id: grantId }, update: { $set: { lastUsedAt: at } } },
  }));
  // At most 50 statements per command: FerretDB v1.24 never answers an update of 100 or more matching ones.
  for (let i = 0; i < operations.length; i += 50) {
    await grantOrgs(db).bulkWrite(operations.slice(i, i + 50), { ordered: false });
  }
}

/** Forgets a grant's organization (after its tokens were revoked). */
export async function unlinkGrant(db: Db, link: GrantOrg): Promise<void> {
  await grantTriples(db).deleteOne({ _id: tripleKey(link.userId, link.clientId, link.orgId), grantId: link._id });
  await grantOrgs(db).deleteOne({ _id: link._id, orgId: link.orgId });
  forgetCached(db, grantOrgsCollection.name, link._id);
}

/** oidc-provider's grants of several ids in one read (a page of connected apps). */
export async function findGrantPayloads(db: Db, grantIds: string[]): Promise<Map<string, AdapterPayload>> {
  const rows = grantIds.length
    ? await openCollection<StoredRecord>(db, oidcGrantsCollection)
        .find({ _id: { $in: grantIds } })
        .toArray()
    : [];
  const found = new Map<string, AdapterPayload>();
  for (const row of rows) {
    const grant = decodeStoredRecord(row);
    if (grant) found.set(row._id, grant);
  }
  return found;
}
