import { declareCollection, openCollection } from '../stores/collections.js';
import type { Db } from '../stores/db.js';
import { type Page, type PageQuery, pageById } from '../stores/pagination.js';
import type { AuditEventDoc } from './model.js';

/**
 * Append-only; `_id` starts with the time, so newest first is descending `_id`. Filtering by action
 * has its own index: a rare action would otherwise be searched for through the whole log.
 */
export const auditEventsCollection = declareCollection({
  name: 'audit_events',
  indexes: [{ key: { orgId: 1, _id: -1 } }, { key: { orgId: 1, action: 1, _id: -1 } }],
  queries: ['{orgId, _id: range?} sort {_id: -1}', '{orgId, action, _id: range?} sort {_id: -1}', '{orgId}'],
  unscopedQueries: [],
  shardKey: { orgId: 1, _id: 1 },
});

const auditEvents = (db: Db) => openCollection<AuditEventDoc>(db, auditEventsCollection);

export async function insertAuditEvent(db: Db, doc: AuditEventDoc): Promise<void> {
  await auditEvents(db).insertOne(doc);
}

/** The organization's events, newest first, optionally of one action. */
export function listAuditEventsOfOrganization(
  db: Db,
  orgId: string,
  { action }: { action?: string | undefined },
  page: PageQuery,
): Promise<Page<AuditEventDoc>> {
  return pageById<AuditEventDoc>(auditEvents(db), action ? { orgId, action } : { orgId }, page, 'descending');
}
