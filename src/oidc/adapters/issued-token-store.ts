import { type CollectionDeclaration, openCollection } from '../../stores/collections.js';
import type { Db } from '../../stores/db.js';
import { deleteInBatches } from '../../stores/delete-in-batches.js';
import { findById } from '../../stores/find-by-id.js';
import { forgetCachedTag } from '../../stores/read-cache.js';
import { issuedTokenFields } from '../token-records.js';
import { clientTag, issuedTokensCollection, oidcModelCollections } from '../tokens-store.js';
import type { StoredRecord } from './stored-record.js';
import type { AdapterPayload } from './types.js';

/**
 * How often a reader looks again whether the collection used before holds a live token (one read per model; an
 * instance not yet upgraded may still write there during a rolling deploy).
 */
const LEGACY_CHECK_MS = 5_000;
interface LegacyCheck {
  at: number;
  holds: Promise<boolean>;
}
/** Per database and model: whether `oidc_<model>` held a live token when last looked at. */
const legacyChecks = new WeakMap<Db, Map<string, LegacyCheck>>();

/**
 * Opaque access tokens (AccessToken, ClientCredentials) are kept in their `issued_tokens` record, the payload
 * beside the record's fields: one write per token, where there were two (the record, and the token in
 * `oidc_<model>`). A JWT's record has no payload and is never a stored token. Tokens written before are still
 * in `oidc_<model>`: they are read there while that collection holds a live token (looked at every 5 s),
 * and revoked there too; its TTL sweep empties it within the token lifetime.
 */
export function issuedTokenStore(db: Db, model: string) {
  const legacyDeclaration = oidcModelCollections.find((c) => c.name === `oidc_${model}`) as CollectionDeclaration;
  const legacy = openCollection<StoredRecord>(db, legacyDeclaration);
  const records = openCollection<StoredRecord>(db, issuedTokensCollection);
  const checks = legacyChecks.get(db) ?? new Map<string, LegacyCheck>();
  legacyChecks.set(db, checks);

  const legacyHoldsTokens = (): Promise<boolean> => {
    const last = checks.get(model);
    if (last && Date.now() - last.at <= LEGACY_CHECK_MS) return last.holds;
    const holds = legacy
      .find({ expiresAt: { $gt: new Date() } }, { projection: { _id: 1 } })
      .limit(1)
      .toArray()
      .then((found) => found.length > 0);
    const check = { at: Date.now(), holds };
    checks.set(model, check);
    // A failed check is asked again at the next read.
    holds.catch(() => checks.get(model) === check && checks.delete(model));
    return holds;
  };

  return {
    declaration: issuedTokensCollection,

    /** The record to write for a token: its issued_tokens fields and its payload. */
    record(payload: AdapterPayload, expiresIn: number | undefined): Omit<StoredRecord, '_id'> {
      const now = Date.now();
      const extra = payload.extra as { org_id?: string } | undefined;
      return {
        ...issuedTokenFields(
          {
            kind: model,
            format: 'opaque',
            grantId: payload.grantId,
            clientId: payload.clientId,
            accountId: payload.accountId,
            expiration: expiresIn,
          },
          extra?.org_id ?? null,
          now,
        ),
        payload: JSON.stringify(payload),
      };
    },

    /**
     * The stored token under `id`: a record with a payload (of this model or another: the caller checks
     * `kind`), or the token from before in `oidc_<model>`, marked with this model.
     */
    async find(id: string): Promise<StoredRecord | null> {
      const record = await findById<StoredRecord>(db, records.collectionName, id);
      if (typeof record?.payload === 'string') return record;
      if (!(await legacyHoldsTokens())) return null;
      const before = await findById<StoredRecord>(db, legacy.collectionName, id);
      return before ? { ...before, kind: model } : null;
    },

    async destroy(id: string): Promise<void> {
      await Promise.all([records.deleteOne({ _id: id, kind: model }), legacy.deleteOne({ _id: id })]);
    },

    /** Deletes the stored tokens (never JWT records) of a grant, or of a client. */
    async deleteOf(by: { grantId: string } | { clientId: string }): Promise<number> {
      const [deleted, before] = await Promise.all([
        deleteInBatches(records, { ...by, kind: model, format: 'opaque' }),
        deleteInBatches(legacy, by),
      ]);
      return deleted + before;
    },
  };
}

/** Client-credentials tokens of a client, in every organization (the client is being deleted). */
export async function deleteClientCredentialsTokens(db: Db, clientId: string): Promise<number> {
  try {
    return await issuedTokenStore(db, 'ClientCredentials').deleteOf({ clientId });
  } finally {
    // Introspection keeps these records in memory (mongo-adapter.ts): every instance forgets them.
    forgetCachedTag(db, issuedTokensCollection.name, clientTag(clientId));
  }
}
