import { declareCollection } from '../stores/collections.js';

/** One document per membership, `_id` = `${orgId}:${userId}`. */
export const membershipsCollection = declareCollection({
  name: 'memberships',
  indexes: [{ key: { orgId: 1, _id: 1 } }, { key: { orgId: 1, role: 1 } }, { key: { userId: 1, _id: 1 } }],
  queries: ['{_id, orgId}', '{orgId, _id: range?} sort {_id: 1}', '{orgId}', '{orgId, role}'],
  unscopedQueries: ['{userId}'],
  shardKey: { orgId: 1, _id: 1 },
});
