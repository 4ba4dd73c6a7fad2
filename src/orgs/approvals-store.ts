import { declareCollection } from '../stores/collections.js';

/** An organization's approval of a client or resource server, `_id` = `${orgId}|${kind}|${ref}`. */
export const approvalsCollection = declareCollection({
  name: 'org_approvals',
  indexes: [{ key: { orgId: 1, kind: 1, _id: 1 } }],
  queries: ['{_id, orgId}', '{orgId, kind, _id: range?} sort {_id: 1}', '{orgId}'],
  unscopedQueries: [],
  shardKey: { orgId: 1, _id: 1 },
});
