import { declareCollection } from '../stores/collections.js';

/** Append-only; `_id` starts with the time, so newest first is descending `_id`. */
export const auditEventsCollection = declareCollection({
  name: 'audit_events',
  indexes: [{ key: { orgId: 1, _id: -1 } }],
  queries: ['{orgId, _id: range?} sort {_id: -1}', '{orgId}'],
  unscopedQueries: [],
  shardKey: { orgId: 1, _id: 1 },
});
