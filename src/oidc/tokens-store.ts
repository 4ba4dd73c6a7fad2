import type { AnyBulkWriteOperation } from 'mongodb';
import { BATCH_DELETE, type CollectionDeclaration, declareCollection, openCollection } from '../stores/collections.js';
import type { Db } from '../stores/db.js';
import type { ItemErrors } from '../stores/group-commit.js';
import { insertDocuments, insertError } from '../stores/insert-documents.js';

/**
 * oidc-provider's long-lived models other than clients and grants, by id (the token's jti). Tokens
 * of a grant are found by `grantId`, so revoking a grant costs the same at any number of tokens.
 */
function oidcModel(
  model: string,
  extra: Pick<CollectionDeclaration, 'indexes' | 'unscopedQueries'> & { hot?: string[] },
) {
  return declareCollection({
    name: `oidc_${model}`,
    indexes: [{ key: { expiresAt: 1 }, ttl: true }, ...extra.indexes],
    queries: [],
    unscopedQueries: [BATCH_DELETE, '{_id}', '{expiresAt: range}', ...extra.unscopedQueries],
    shardKey: { _id: 1 },
    hot: extra.hot ?? ['{_id}'],
  });
}

const byGrant: Pick<CollectionDeclaration, 'indexes' | 'unscopedQueries'> = {
  indexes: [{ key: { grantId: 1 } }],
  unscopedQueries: ['{grantId}'],
};

export const oidcModelCollections = [
  // Opaque access tokens written before 2026-12-04: they are now kept in issued_tokens (adapters/issued-token-store.ts),
  // which reads and revokes these until they expire.
  oidcModel('AccessToken', byGrant),
  // A refresh token is read with its consumption marker (adapters/consumption-markers.ts): two ids.
  oidcModel('RefreshToken', { ...byGrant, hot: [BATCH_DELETE] }),
  oidcModel('BackchannelAuthenticationRequest', byGrant),
  oidcModel('Session', { indexes: [{ key: { uid: 1 } }], unscopedQueries: ['{uid}'] }),
  oidcModel('ClientCredentials', { indexes: [{ key: { clientId: 1 } }], unscopedQueries: ['{clientId}'] }), // as AccessToken
  oidcModel('RegistrationAccessToken', { indexes: [], unscopedQueries: [] }),
  oidcModel('InitialAccessToken', { indexes: [], unscopedQueries: [] }),
];

/** Read-cache tags of a cached token record (adapters/mongo-adapter.ts): its grant and its client. */
export const grantTag = (grantId: string) => `grant:${grantId}`;
export const clientTag = (clientId: string) => `client:${clientId}`;

/**
 * Every access token Orgauth issued (JWT or opaque), by jti, with its organization and grant.
 * `orgId` is null for tokens of no organization (e.g. a client's own, for Orgauth's API).
 */
export interface IssuedTokenRecord {
  _id: string;
  kind: string;
  format: string;
  orgId: string | null;
  grantId: string | null;
  clientId: string | null;
  sub: string | null;
  expiresAt: Date;
  createdAt: Date;
}

export const issuedTokensCollection = declareCollection({
  name: 'issued_tokens',
  indexes: [{ key: { expiresAt: 1 }, ttl: true }, { key: { grantId: 1 } }, { key: { clientId: 1 } }],
  queries: ['{_id, orgId}'],
  // An opaque token is stored in its record (oidc/adapters/issued-token-store.ts): read by id, revoked with its
  // grant or its client (a client-credentials token).
  unscopedQueries: [
    BATCH_DELETE,
    '{expiresAt: range}',
    '{_id}',
    '{_id, kind}',
    '{grantId, kind, format}',
    '{clientId, kind, format}',
  ],
  shardKey: { _id: 1 },
  hot: ['{_id, orgId}', '{_id}'],
});

interface TokenIssuanceDoc {
  _id: string;
  orgId: string;
  clientId: string;
  day: string;
  count: number;
}

/** Tokens issued per (organization, client, UTC day), `_id` = that triple. */
export const tokenIssuanceCollection = declareCollection({
  name: 'token_issuance',
  indexes: [{ key: { orgId: 1, day: -1 } }],
  queries: ['{orgId} sort {day: -1}', '{_id, orgId, day}'],
  unscopedQueries: [],
  shardKey: { orgId: 1, day: 1 },
  hot: ['{_id, orgId, day}'],
});

const issuedTokens = (db: Db) => openCollection<IssuedTokenRecord>(db, issuedTokensCollection);
const tokenIssuance = (db: Db) => openCollection<TokenIssuanceDoc>(db, tokenIssuanceCollection);

/**
 * Records tokens in one write; a record already there (the same jti twice) is fine. Resolves to the error
 * of each record the database refused otherwise, by position (the others are stored).
 */
export async function insertIssuedTokens(db: Db, records: IssuedTokenRecord[]): Promise<ItemErrors> {
  const errors: ItemErrors = records.map(() => undefined);
  for (const refused of await insertDocuments(db, issuedTokensCollection.name, records)) {
    if (refused.code !== 11000) errors[refused.index] = insertError(refused);
  }
  return errors;
}

/** An access token issued in the organization, by its jti; another organization's is not found. */
export async function findIssuedTokenOfOrganization(
  db: Db,
  orgId: string,
  jti: string,
): Promise<IssuedTokenRecord | null> {
  return issuedTokens(db).findOne({ _id: jti, orgId }, { projection: { payload: 0 } });
}

/** Adds issuance counts, keyed `[orgId, clientId, day]`. */
export async function addTokenIssuanceCounts(db: Db, counts: Map<string, number>): Promise<void> {
  const operations: AnyBulkWriteOperation<TokenIssuanceDoc>[] = [...counts].map(([key, count]) => {
    const [orgId = '', clientId = '', day = ''] = JSON.parse(key) as string[];
    return {
      updateOne: {
        // The shard key's fields in the filter: an upsert on a sharded collection needs them.
        filter: { _id: key, orgId, day },
        update: { $inc: { count }, $setOnInsert: { clientId } },
        upsert: true,
      },
    };
  });
  // At most 50 statements per command: FerretDB v1.24 never answers an update of 100 or more matching ones.
  for (let i = 0; i < operations.length; i += 50) {
    await tokenIssuance(db).bulkWrite(operations.slice(i, i + 50), { ordered: false });
  }
}

/** The organization's issuance counts, newest day first. */
export async function listTokenIssuance(db: Db, orgId: string, limit: number) {
  const rows = await tokenIssuance(db).find({ orgId }).sort({ day: -1 }).limit(limit).toArray();
  return rows.map((r) => ({ clientId: r.clientId, day: r.day, count: r.count }));
}
