import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { Config } from '../config.js';
import { createDb, type Db } from './db.js';
import { ensureIndexes } from './indexes.js';
import { connectMongo } from './mongo.js';
import { connectRedis } from './redis.js';

export interface Stores {
  db: Db;
  redis: Redis;
  close(): Promise<void>;
}

/** Connects MongoDB (creating indexes) and Redis; both must be reachable at start. */
export async function openStores(config: Config, logger?: Logger, dbName?: string): Promise<Stores> {
  const connection = await connectMongo(config.mongodbUri, dbName, config.queryShapeLog);
  let redis: Redis;
  try {
    const db = createDb(connection);
    await ensureIndexes(db, logger);
    redis = await connectRedis(config.redisUrl, config.redisKeyPrefix);
    return {
      db,
      redis,
      close: async () => {
        redis.disconnect();
        await connection.close();
      },
    };
  } catch (error) {
    await connection.close().catch(() => undefined);
    throw error;
  }
}
