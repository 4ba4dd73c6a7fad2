import { declareCollection } from '../stores/collections.js';

/** oidc-provider's grants, by grant id. */
export const oidcGrantsCollection = declareCollection({
  name: 'oidc_Grant',
  indexes: [{ key: { expiresAt: 1 }, ttl: true }],
  queries: [],
  unscopedQueries: ['{_id}', '{expiresAt: range}'],
  shardKey: { _id: 1 },
});

/** The organization of each grant (the grant's id is the key), for connected-app lists and revocation. */
export const grantOrgsCollection = declareCollection({
  name: 'grant_orgs',
  indexes: [
    { key: { orgId: 1, _id: 1 } },
    { key: { orgId: 1, userId: 1 } },
    { key: { orgId: 1, clientId: 1 } },
    { key: { clientId: 1 } },
  ],
  queries: ['{_id, orgId}', '{orgId, _id: range?} sort {_id: 1}', '{orgId}', '{orgId, userId}', '{orgId, clientId}'],
  // Tokens carry their grant id only; deleting a client reaches its grants in every organization.
  unscopedQueries: ['{_id}', '{clientId}'],
  shardKey: { _id: 1 },
  shardNote: 'looked up by grant id on every token request',
});

/** The one grant of a (person, client, organization), `_id` = that triple. */
export const grantTriplesCollection = declareCollection({
  name: 'grant_triples',
  indexes: [],
  queries: [],
  unscopedQueries: ['{_id}', '{_id, grantId}'],
  shardKey: { _id: 1 },
});
