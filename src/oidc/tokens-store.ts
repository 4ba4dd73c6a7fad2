import { type CollectionDeclaration, declareCollection } from '../stores/collections.js';

/**
 * oidc-provider's long-lived models other than clients and grants, by id (the token's jti). Tokens
 * of a grant are found by `grantId`, so revoking a grant costs the same at any number of tokens.
 */
function oidcModel(model: string, extra: Pick<CollectionDeclaration, 'indexes' | 'unscopedQueries'>) {
  return declareCollection({
    name: `oidc_${model}`,
    indexes: [{ key: { expiresAt: 1 }, ttl: true }, ...extra.indexes],
    queries: [],
    unscopedQueries: ['{_id}', '{expiresAt: range}', ...extra.unscopedQueries],
    shardKey: { _id: 1 },
  });
}

const byGrant: Pick<CollectionDeclaration, 'indexes' | 'unscopedQueries'> = {
  indexes: [{ key: { grantId: 1 } }],
  unscopedQueries: ['{grantId}'],
};

export const oidcModelCollections = [
  oidcModel('AccessToken', byGrant),
  oidcModel('RefreshToken', byGrant),
  oidcModel('BackchannelAuthenticationRequest', byGrant),
  oidcModel('Session', { indexes: [{ key: { uid: 1 } }], unscopedQueries: ['{uid}'] }),
  oidcModel('ClientCredentials', { indexes: [{ key: { clientId: 1 } }], unscopedQueries: ['{clientId}'] }),
  oidcModel('RegistrationAccessToken', { indexes: [], unscopedQueries: [] }),
  oidcModel('InitialAccessToken', { indexes: [], unscopedQueries: [] }),
];

/** Every access token Orgauth issued (JWT or opaque), by jti, with its organization and grant. */
export const issuedTokensCollection = declareCollection({
  name: 'issued_tokens',
  indexes: [{ key: { expiresAt: 1 }, ttl: true }, { key: { grantId: 1 } }],
  queries: [],
  unscopedQueries: ['{_id}', '{expiresAt: range}', '{grantId}'],
  shardKey: { _id: 1 },
});

/** Tokens issued per (organization, client, UTC day), `_id` = that triple. */
export const tokenIssuanceCollection = declareCollection({
  name: 'token_issuance',
  indexes: [{ key: { orgId: 1, day: -1 } }],
  queries: ['{orgId} sort {day: -1}'],
  unscopedQueries: ['{_id}'],
  shardKey: { orgId: 1, day: 1 },
});
