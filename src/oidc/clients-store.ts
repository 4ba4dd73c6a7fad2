import { declareCollection, openCollection } from '../stores/collections.js';
import type { Db } from '../stores/db.js';
import { type Page, type PageQuery, pageById } from '../stores/pagination.js';

/** oidc-provider's clients; `orgId` is set for clients an organization owns. */
export const clientsCollection = declareCollection({
  name: 'oidc_Client',
  indexes: [{ key: { orgId: 1, _id: 1 } }],
  queries: ['{_id, orgId}', '{orgId, _id: range?} sort {_id: 1}', '{orgId}'],
  // oidc-provider finds clients by client_id alone.
  unscopedQueries: ['{_id}'],
  shardKey: { _id: 1 },
  shardNote: 'oidc-provider looks clients up by client_id on every request',
});

const clients = (db: Db) => openCollection<{ _id: string; orgId?: string | null }>(db, clientsCollection);

/** Ids of the organization's clients, page by page (their metadata comes through oidc-provider). */
export function pageClientIdsOfOrganization(db: Db, orgId: string, page: PageQuery): Promise<Page<{ _id: string }>> {
  return pageById<{ _id: string }>(clients(db), { orgId }, page);
}
