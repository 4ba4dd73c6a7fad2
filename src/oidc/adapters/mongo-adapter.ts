import { type CollectionDeclaration, openCollection } from '../../stores/collections.js';
import type { Db } from '../../stores/db.js';
import { deleteInBatches } from '../../stores/delete-in-batches.js';
import { cachedRead, forgetCached } from '../../stores/read-cache.js';
import { hashClientSecret, isHashedClientSecret } from '../client-secret.js';
import { clientsCollection } from '../clients-store.js';
import { oidcGrantsCollection } from '../grants-store.js';
import { oidcModelCollections } from '../tokens-store.js';
import { groupedTokenWrites, type TokenWrite } from './grouped-writes.js';
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

    constructor(readonly name: string) {
      const declaration = declarationOf(name);
      this.collection = openCollection<StoredRecord>(db, declaration);
      this.indexed = new Set(declaration.indexes.map((index) => Object.keys(index.key)[0]));
      this.cached = CACHED_MODELS.has(name);
    }

    /** Token writes are grouped with those of concurrent requests; other models write at once. */
    async write(write: TokenWrite): Promise<void> {
      let grouping = grouped.get(this.name);
      if (!grouping) {
        grouping = groupedTokenWrites(this.collection);
        grouped.set(this.name, grouping);
      }
      await grouping(write);
    }

    /** After a write of a cached model: every instance forgets the record. */
    forget(id: string): void {
      if (this.cached) forgetCached(db, this.collection.collectionName, id);
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
      const extra = hooks.enrich ? await hooks.enrich(this.name, stored) : {};
      const record = {
        ...extra,
        payload: JSON.stringify(stored),
        ...(stored.grantId ? { grantId: stored.grantId } : {}),
        ...(stored.uid ? { uid: stored.uid } : {}),
        ...(stored.userCode ? { userCode: stored.userCode } : {}),
        ...(expiresIn ? { expiresAt: new Date(Date.now() + expiresIn * 1000) } : {}),
      };
      if (GROUPED_MODELS.has(this.name)) {
        await this.write({ kind: 'replace', id, record });
        tokenKinds.learn(id, this.name);
      } else {
        await this.collection.replaceOne({ _id: id }, record, { upsert: true });
      }
      this.forget(id);
    }

    async find(id: string): Promise<AdapterPayload | undefined> {
      if (tokenKinds.belongsElsewhere(id, this.name)) return undefined;
      const load = () => this.collection.findOne({ _id: id });
      // The stored record is shared; decoding gives each caller its own payload (oidc-provider changes it).
      const record = await (this.cached ? cachedRead(db, this.collection.collectionName, id, load) : load());
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
      if (GROUPED_MODELS.has(this.name)) await this.write({ kind: 'consume', id, at });
      else await this.collection.updateOne({ _id: id }, { $set: { consumed: at } });
      this.forget(id);
    }

    async destroy(id: string): Promise<void> {
      await this.collection.deleteOne({ _id: id });
      this.forget(id);
    }

    async revokeByGrantId(grantId: string): Promise<void> {
      if (this.indexed.has('grantId')) await deleteInBatches(this.collection, { grantId });
    }
  };
}
