import { declareCollection } from '../stores/collections.js';

export const organizationsCollection = declareCollection({
  name: 'organizations',
  indexes: [{ key: { deletingAt: 1, _id: 1 } }],
  queries: [],
  unscopedQueries: [
    '{_id}',
    '{_id: in, deletingAt}',
    '{deletingAt, _id: range?} sort {_id: 1}',
    '{deletingAt: range, deletionDone: other}',
  ],
  shardKey: { _id: 1 },
});
