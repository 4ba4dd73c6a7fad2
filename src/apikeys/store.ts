import { declareCollection } from '../stores/collections.js';

export const apiKeysCollection = declareCollection({
  name: 'api_keys',
  indexes: [{ key: { orgId: 1, _id: 1 } }, { key: { orgId: 1, userId: 1, _id: 1 } }],
  queries: [
    '{_id, orgId}',
    '{orgId, _id: range?} sort {_id: 1}',
    '{orgId, userId, _id: range?} sort {_id: 1}',
    '{orgId, userId}',
    '{orgId}',
  ],
  // A presented key names its id, not its organization: found by id, then checked against the request's organization.
  unscopedQueries: ['{_id}'],
  shardKey: { _id: 1 },
  shardNote: 'keys are looked up by id on every use',
});

export const platformKeysCollection = declareCollection({
  name: 'platform_keys',
  indexes: [],
  queries: [],
  unscopedQueries: ['{_id}'],
  shardKey: { _id: 1 },
});
