import { type CollectionDeclaration, openCollection } from '../../stores/collections.js';
import type { Db } from '../../stores/db.js';
import { deleteInBatches } from '../../stores/delete-in-batches.js';
import { findById } from '../../stores/find-by-id.js';
import { cachedRead, forgetCached, forgetCachedHere, forgetCachedTag } from '../../stores/read-cache.js';
import { hashClientSecret, isHashedClientSecret } from '../client-secret.js';
import { clientsCollection } from '../clients-store.js';
import { oidcGrantsCollection } from '../grants-store.js';
import { STORED_WITH_RECORD } from '../token-records.js';
import { clientTag, grantTag, oidcModelCollections } from '../tokens-store.js';
import { writeBeforeAnswer } from '../writes-before-answer.js';
import { consumptionMarkers, MARKED_CONSUMPTION } from './consumption-markers.js';
import { groupedTokenWrites, type TokenWrite } from './grouped-writes.js';
import { issuedTokenStore } from './issued-token-store.js';
import { decodeStoredRecord as decode, type StoredRecord } from './stored-record.js';
import { TOKEN_MODELS, TokenKinds } from './token-kinds.js';
import type { Adapter, AdapterClass, AdapterHooks, AdapterPayload } from './types.js';

/** The declared collection of each model oidc-provider keeps in MongoDB. */
const DECLARATIONS: CollectionDeclaration[] = [clientsCollection, oidcGrantsCollection, ...oidcModelCollections];
function declarationOf(model: string): CollectionDeclaration {
  const declaration = DECLARATIONS.find((d) => d.name === `oidc_${model}`);
  if (!declaration) throw new Error(`oidc model ${model} has no declared collection`);
  return declaration;
}

/**
 * Models read on every token request and rarely written: their records are read from memory
 * (read-cache.ts), and every write through this adapter tells every instance to forget them.
 */
const CACHED_MODELS = new Set(['Client', 'Grant']);

/**
 * Opaque access tokens, read on every introspection: written once under a new id and then only
 * deleted (revocation, their grant's or client's end), so a stored record is cached once read (a
 * missing one is not, as its id may yet be written). Deletions tell every instance: by id, or by the
 * tag of the grant or client whose tokens went (`tokenCacheTags`).
 */
export const CACHED_TOKEN_MODELS = new Set(['AccessToken', 'ClientCredentials']);

/** Tags of a cached token record: its grant and its client. */
const tokenCacheTags = (record: StoredRecord | null): string[] => {
  if (!record) return [];
  const tags: string[] = [];
  if (record.grantId) tags.push(grantTag(record.grantId));
  if (typeof record.clientId === 'string') tags.push(clientTag(record.clientId));
  return tags;
};
const keepFound = (record: StoredRecord | null) => record !== null;

/** Tokens are written once each, by many concurrent requests: their writes are grouped (group-commit.ts). */
const GROUPED_MODELS = TOKEN_MODELS;

/** oidc-provider's adapter over MongoDB for one model; every lookup but findByUid is by `_id`. */
export function mongoAdapterClass(db: Db, hooks: AdapterHooks = {}): AdapterClass {
  const grouped = new Map<string, (write: TokenWrite) => Promise<void>>();
  const tokenKinds = new TokenKinds();
  return class MongoAdapter implements Adapter {
    readonly collection;
    /** Fields that lead one of the collection's declared indexes. */
    readonly indexed: Set<string | undefined>;
    readonly cached: boolean;
    readonly cachedToken: boolean;
    /** How a consumable token records its consumption (consumption-markers.ts); undefined: in place. */
    readonly markers: ReturnType<typeof consumptionMarkers> | undefined;

    /** Where an opaque access token is kept: in its issued_tokens record (issued-token-store.ts). */
    readonly issued: ReturnType<typeof issuedTokenStore> | undefined;

    constructor(readonly name: string) {
      this.issued = STORED_WITH_RECORD.has(name) ? issuedTokenStore(db, name) : undefined;
      const declaration = this.issued?.declaration ?? declarationOf(name);
      this.collection = openCollection<StoredRecord>(db, declaration);
      this.indexed = new Set(declaration.indexes.map((index) => Object.keys(index.key)[0]));
      this.cached = CACHED_MODELS.has(name);
      this.cachedToken = CACHED_TOKEN_MODELS.has(name);
      this.markers = MARKED_CONSUMPTION.has(name) ? consumptionMarkers(db, this.collection.collectionName) : undefined;
    }

    /** Token writes are grouped with those of concurrent requests (group-commit.ts); other models write at once. */
    async write(write: TokenWrite): Promise<void> {
      let grouping = grouped.get(this.name);
      if (!grouping) {
        grouping = groupedTokenWrites(db, this.collection);
        grouped.set(this.name, grouping);
      }
      // Inside a token request, the request waits for it just before answering (writes-before-answer.ts).
      await writeBeforeAnswer(grouping(write));
    }

    /** After a write of a cached model: every instance forgets the record. */
    forget(id: string): void {
      if (this.cached || this.cachedToken) forgetCached(db, this.collection.collectionName, id);
    }

    async upsert(id: string, payload: AdapterPayload, expiresIn?: number): Promise<void> {
      let stored = payload;
      if (
        this.name === 'Client' &&
        typeof payload.client_secret === 'string' &&
        !isHashedClientSecret(payload.client_secret)
      ) {
        stored = { ...payload, client_secret: hashClientSecret(payload.client_secret) };
      }
      const record = this.issued ? this.issued.record(stored, expiresIn) : await this.record(stored, expiresIn);
      if (GROUPED_MODELS.has(this.name)) {
        await this.write({ kind: 'replace', id, record });
        tokenKinds.learn(id, this.name);
      } else {
        await this.collection.replaceOne({ _id: id }, record, { upsert: true });
      }
      // A token's id is new when it is written: no other instance can have it cached.
      if (this.cachedToken) forgetCachedHere(db, this.collection.collectionName, id);
      else this.forget(id);
    }

    /** A model's record: the payload as JSON beside the fields it is found by. */
    async record(stored: AdapterPayload, expiresIn?: number): Promise<Omit<StoredRecord, '_id'>> {
      const extra = hooks.enrich ? await hooks.enrich(this.name, stored) : {};
      return {
        ...extra,
        payload: JSON.stringify(stored),
        ...(stored.grantId ? { grantId: stored.grantId } : {}),
        ...(stored.uid ? { uid: stored.uid } : {}),
        ...(stored.userCode ? { userCode: stored.userCode } : {}),
        ...(expiresIn ? { expiresAt: new Date(Date.now() + expiresIn * 1000) } : {}),
      };
    }

    async find(id: string): Promise<AdapterPayload | undefined> {
      if (tokenKinds.belongsElsewhere(id, this.name)) return undefined;
      const { markers, issued } = this;
      const load = () =>
        markers
          ? markers.find(id)
          : issued
            ? issued.find(id)
            : findById<StoredRecord>(db, this.collection.collectionName, id);
      // The stored record is shared; decoding gives each caller its own payload (oidc-provider changes it).
      const cache = this.collection.collectionName;
      let record = await (this.cached
        ? cachedRead(db, cache, id, load)
        : this.cachedToken
          ? cachedRead(db, cache, id, load, { keep: keepFound, tagsOf: tokenCacheTags })
          : load());
      // issued_tokens holds both models' tokens: one of the other model is not this one's.
      if (record && issued && record.kind !== this.name) {
        if (typeof record.kind === 'string') tokenKinds.learn(id, record.kind);
        record = null;
      }
      if (record) tokenKinds.learn(id, this.name);
      return decode(record);
    }

    // oidc-provider asks every model by uid, user code or grant; only models declared with an index on
    // that field keep it (sessions by uid; tokens by grant), so the others have nothing to find.
    async findByUid(uid: string): Promise<AdapterPayload | undefined> {
      return this.indexed.has('uid') ? decode(await this.collection.findOne({ uid })) : undefined;
    }

    async findByUserCode(userCode: string): Promise<AdapterPayload | undefined> {
      return this.indexed.has('userCode') ? decode(await this.collection.findOne({ userCode })) : undefined;
    }

    async consume(id: string): Promise<void> {
      const at = Math.floor(Date.now() / 1000);
      if (this.markers) await this.write({ kind: 'replace', ...this.markers.marker(id, at) });
      else if (GROUPED_MODELS.has(this.name)) await this.write({ kind: 'consume', id, at });
      else await this.collection.updateOne({ _id: id }, { $set: { consumed: at } });
      this.forget(id);
    }

    async destroy(id: string): Promise<void> {
      await (this.issued ? this.issued.destroy(id) : this.collection.deleteOne({ _id: id }));
      this.forget(id);
    }

    async revokeByGrantId(grantId: string): Promise<void> {
      if (!this.indexed.has('grantId')) return;
      try {
        await (this.issued ? this.issued.deleteOf({ grantId }) : deleteInBatches(this.collection, { grantId }));
      } finally {
        if (this.cachedToken) forgetCachedTag(db, this.collection.collectionName, grantTag(grantId));
      }
    }
  };
}
