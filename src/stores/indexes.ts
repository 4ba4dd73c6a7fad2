import type { CreateIndexesOptions } from 'mongodb';
import type { Logger } from 'pino';
import { CATALOG } from './catalog.js';
import type { Db } from './db.js';

const TTL_UNSUPPORTED = 238;

/**
 * Creates every declared index (src/stores/catalog.ts), one call per index: FerretDB refuses TTL
 * indexes (code 238) and would fail a whole batch with them, so a TTL index falls back to a plain
 * one there (sweeps purge; reads check `expiresAt` anyway).
 */
export async function ensureIndexes(db: Db, logger?: Logger): Promise<void> {
  for (const declaration of CATALOG) {
    const collection = db.connection.collection(declaration.name);
    await db.connection.createCollection(declaration.name).catch(() => undefined);
    for (const { key, unique, ttl } of declaration.indexes) {
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
}
