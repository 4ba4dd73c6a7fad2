import { declareCollection, openCollection } from '../stores/collections.js';
import type { Db } from '../stores/db.js';
import { type Page, type PageQuery, pageById } from '../stores/pagination.js';
import { decodeStoredRecord, type StoredRecord } from './adapters/stored-record.js';
import type { AdapterPayload } from './adapters/types.js';

/** oidc-provider's clients; `orgId` is set for clients an organization owns. */
export const clientsCollection = declareCollection({
  name: 'oidc_Client',
  indexes: [{ key: { orgId: 1, _id: 1 } }],
  queries: ['{_id, orgId}', '{orgId, _id: range?} sort {_id: 1}', '{orgId}'],
  // oidc-provider finds clients by client_id alone; a page of connected apps names clients of any owner.
  unscopedQueries: ['{_id}', '{_id: in}'],
  shardKey: { _id: 1 },
  hot: ['{_id}'],
  shardNote: 'oidc-provider looks clients up by client_id on every request',
});

const clients = (db: Db) => openCollection<StoredRecord & { orgId?: string | null }>(db, clientsCollection);

/** Ids of the organization's clients, page by page (their metadata comes through oidc-provider). */
export function pageClientIdsOfOrganization(db: Db, orgId: string, page: PageQuery): Promise<Page<{ _id: string }>> {
  return pageById<{ _id: string }>(clients(db), { orgId }, page);
}

/** The metadata of several clients in one read (a page of a list), by client id. */
export async function findClientsMetadata(db: Db, clientIds: string[]): Promise<Map<string, AdapterPayload>> {
  const rows = clientIds.length
    ? await clients(db)
        .find({ _id: { $in: [...new Set(clientIds)] } })
        .toArray()
    : [];
  const found = new Map<string, AdapterPayload>();
  for (const row of rows) {
    const metadata = decodeStoredRecord(row);
    if (metadata) found.set(row._id, metadata);
  }
  return found;
}
