import { declareCollection } from '../stores/collections.js';

/** Resource servers by URI; `orgId` is null for platform-wide ones. */
export const resourceServersCollection = declareCollection({
  name: 'resource_servers',
  indexes: [{ key: { orgId: 1, _id: 1 } }],
  queries: ['{_id, orgId}', '{orgId, _id: range?} sort {_id: 1}', '{orgId}'],
  // Tokens name a resource by URI; which organization owns it is what the lookup finds out.
  unscopedQueries: ['{_id}'],
  shardKey: { _id: 1 },
});
