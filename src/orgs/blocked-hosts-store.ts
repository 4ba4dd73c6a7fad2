import { declareCollection, openCollection } from '../stores/collections.js';
import type { Db } from '../stores/db.js';
import { type Page, type PageQuery, pageById } from '../stores/pagination.js';

export interface BlockedHost {
  _id: string;
  orgId: string;
  host: string;
  blockedBy: string;
  createdAt: Date;
}

/**
 * Hosts whose client ID metadata documents an organization refuses, `_id` = `${orgId}|${host}`.
 * The consent step reads the host and each of its parent domains by `_id`.
 */
export const blockedHostsCollection = declareCollection({
  name: 'org_blocked_hosts',
  indexes: [{ key: { orgId: 1, _id: 1 } }],
  queries: ['{_id, orgId}', '{_id: in, orgId}', '{orgId, _id: range?} sort {_id: 1}', '{orgId}'],
  unscopedQueries: [],
  shardKey: { orgId: 1, _id: 1 },
});

const blockedHosts = (db: Db) => openCollection<BlockedHost>(db, blockedHostsCollection);
const blockedHostId = (orgId: string, host: string) => `${orgId}|${host}`;

/** Blocks (again: the record is replaced, with its new author and time). */
export async function saveBlockedHost(db: Db, record: Omit<BlockedHost, '_id'>): Promise<void> {
  const _id = blockedHostId(record.orgId, record.host);
  await blockedHosts(db).replaceOne({ _id, orgId: record.orgId }, record, { upsert: true });
}

/** True when the host was blocked. */
export async function deleteBlockedHost(db: Db, orgId: string, host: string): Promise<boolean> {
  const result = await blockedHosts(db).deleteOne({ _id: blockedHostId(orgId, host), orgId });
  return result.deletedCount > 0;
}

/** The first of `hosts` the organization blocks, if any (one read). */
export async function findBlockedHost(db: Db, orgId: string, hosts: string[]): Promise<string | undefined> {
  const found = await blockedHosts(db)
    .find({ _id: { $in: hosts.map((host) => blockedHostId(orgId, host)) }, orgId })
    .toArray();
  const blocked = new Set(found.map((row) => row.host));
  return hosts.find((host) => blocked.has(host));
}

export function pageBlockedHostsOfOrganization(db: Db, orgId: string, page: PageQuery): Promise<Page<BlockedHost>> {
  return pageById<BlockedHost>(blockedHosts(db), { orgId }, page);
}

/** Removes every block of the organization (deletion); an organization blocks a handful of hosts. */
export async function deleteBlockedHostsOfOrganization(db: Db, orgId: string): Promise<number> {
  return (await blockedHosts(db).deleteMany({ orgId })).deletedCount;
}
