import { declareCollection } from '../stores/collections.js';

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
