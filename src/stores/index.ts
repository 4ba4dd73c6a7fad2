import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { Config } from '../config.js';
import { joinCacheNotices } from './cache-notices.js';
import { createDb, type Db } from './db.js';
import { ensureIndexes } from './indexes.js';
import { connectMongo } from './mongo.js';
import { connectRedis } from './redis.js';
import { flushWritesBehind } from './write-behind.js';

export interface Stores {
  db: Db;
  redis: Redis;
  close(): Promise<void>;
}

export interface StoreOptions {
  /**
   * Whether this process keeps read caches (a server: yes; the CLI, which runs one command: no).
   * Every process publishes its writes, so servers forget what the CLI changed.
   */
  readCaches?: boolean;
}

/** Connects MongoDB (creating indexes) and Redis; both must be reachable at start. */
export async function openStores(
  config: Config,
  logger?: Logger,
  dbName?: string,
  { readCaches = true }: StoreOptions = {},
): Promise<Stores> {
  const connection = await connectMongo(config.mongodbUri, dbName, config.queryShapeLog);
  let redis: Redis;
  try {
    const db = createDb(connection);
    await ensureIndexes(db, logger);
    redis = await connectRedis(config.redisUrl, config.redisKeyPrefix);
    const notices = await joinCacheNotices(db, redis, {
      redisUrl: config.redisUrl,
      keyPrefix: config.redisKeyPrefix,
      ttlMs: config.readCacheTtlSeconds * 1000,
      listen: readCaches,
      logger,
    });
    return {
      db,
      redis,
      close: async () => {
        notices.close();
        await flushWritesBehind(db).catch((error: unknown) =>
          logger?.warn({ err: error }, 'aggregated counters could not be written at shutdown'),
        );
        redis.disconnect();
        await connection.close();
      },
    };
  } catch (error) {
    await connection.close().catch(() => undefined);
    throw error;
  }
}
