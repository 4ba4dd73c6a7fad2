import { type CollectionDeclaration, openCollection } from '../../stores/collections.js';
import type { Db } from '../../stores/db.js';
import { deleteInBatches } from '../../stores/delete-in-batches.js';
import { hashClientSecret, isHashedClientSecret } from '../client-secret.js';
import { clientsCollection } from '../clients-store.js';
import { oidcGrantsCollection } from '../grants-store.js';
import { oidcModelCollections } from '../tokens-store.js';
import { decodeStoredRecord as decode, type StoredRecord } from './stored-record.js';
import type { Adapter, AdapterClass, AdapterHooks, AdapterPayload } from './types.js';

/** The declared collection of each model oidc-provider keeps in MongoDB. */
const DECLARATIONS: CollectionDeclaration[] = [clientsCollection, oidcGrantsCollection, ...oidcModelCollections];
function declarationOf(model: string): CollectionDeclaration {
  const declaration = DECLARATIONS.find((d) => d.name === `oidc_${model}`);
  if (!declaration) throw new Error(`oidc model ${model} has no declared collection`);
  return declaration;
}

/** oidc-provider's adapter over MongoDB for one model; every lookup but findByUid is by `_id`. */
export function mongoAdapterClass(db: Db, hooks: AdapterHooks = {}): AdapterClass {
  return class MongoAdapter implements Adapter {
    readonly collection;
    /** Fields that lead one of the collection's declared indexes. */
    readonly indexed: Set<string | undefined>;

    constructor(readonly name: string) {
      const declaration = declarationOf(name);
      this.collection = openCollection<StoredRecord>(db, declaration);
      this.indexed = new Set(declaration.indexes.map((index) => Object.keys(index.key)[0]));
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
      await this.collection.replaceOne(
        { _id: id },
        {
          ...extra,
          payload: JSON.stringify(stored),
          ...(stored.grantId ? { grantId: stored.grantId } : {}),
          ...(stored.uid ? { uid: stored.uid } : {}),
          ...(stored.userCode ? { userCode: stored.userCode } : {}),
          ...(expiresIn ? { expiresAt: new Date(Date.now() + expiresIn * 1000) } : {}),
        },
        { upsert: true },
      );
    }

    async find(id: string): Promise<AdapterPayload | undefined> {
      return decode(await this.collection.findOne({ _id: id }));
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
      await this.collection.updateOne({ _id: id }, { $set: { consumed: Math.floor(Date.now() / 1000) } });
    }

    async destroy(id: string): Promise<void> {
      await this.collection.deleteOne({ _id: id });
    }

    async revokeByGrantId(grantId: string): Promise<void> {
      if (this.indexed.has('grantId')) await deleteInBatches(this.collection, { grantId });
    }
  };
}
