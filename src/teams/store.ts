import { declareCollection } from '../stores/collections.js';

/** Teams belong to one organization at a time, or to none (detached), so `orgId` may be null. */
export const teamsCollection = declareCollection({
  name: 'teams',
  indexes: [{ key: { orgId: 1, _id: 1 } }],
  queries: ['{_id, orgId}', '{orgId, _id: range?} sort {_id: 1}', '{orgId}'],
  unscopedQueries: ['{_id}', '{_id: range?} sort {_id: 1}', '{orgId: in}'],
  shardKey: { _id: 1 },
  shardNote: 'teams move between organizations, so they shard by their own id',
});
