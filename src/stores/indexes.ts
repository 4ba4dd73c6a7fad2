import type { CreateIndexesOptions, Db as NativeDb } from 'mongodb';
import type { Logger } from 'pino';
import { CATALOG } from './catalog.js';
import type { CollectionDeclaration } from './collections.js';
import type { Db } from './db.js';

const TTL_UNSUPPORTED = 238;

const sameKey = (a: Record<string, unknown>, b: Record<string, unknown>) =>
  JSON.stringify(Object.entries(a)) === JSON.stringify(Object.entries(b));

/**
 * Creates the declared indexes (src/stores/catalog.ts) that a collection lacks, one call per index:
 * FerretDB refuses TTL indexes (code 238) and would fail a whole batch with them, so a TTL index
 * falls back to a plain one there (sweeps purge; reads check `expiresAt` anyway). Existing indexes
 * are read first, so a start (or a CLI command) on a ready database only lists them.
 */
export async function ensureIndexes(db: Db, logger?: Logger): Promise<void> {
  const native = db.connection.db;
  if (!native) throw new Error('MongoDB is not connected');
  const existing = new Set((await native.listCollections({}, { nameOnly: true }).toArray()).map((c) => c.name));
  await Promise.all(CATALOG.map((declaration) => ensureCollection(native, declaration, existing, logger)));
}

async function ensureCollection(
  native: NativeDb,
  declaration: CollectionDeclaration,
  existing: Set<string>,
  logger?: Logger,
) {
  if (!existing.has(declaration.name)) await native.createCollection(declaration.name).catch(() => undefined);
  const collection = native.collection(declaration.name);
  const present = await collection.listIndexes().toArray();
  for (const { key, unique, ttl } of declaration.indexes) {
    if (present.some((index) => sameKey(index.key as Record<string, unknown>, key))) continue;
    const options: CreateIndexesOptions = unique ? { unique } : {};
    try {
      await collection.createIndex(key, ttl ? { ...options, expireAfterSeconds: 0 } : options);
    } catch (error) {
      if (!ttl || (error as { code?: number }).code !== TTL_UNSUPPORTED) throw error;
      logger?.debug(
        { collection: declaration.name, key },
        'TTL index not supported by this database; relying on sweeps',
      );
      await collection.createIndex(key, options);
    }
  }
}
