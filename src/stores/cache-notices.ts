import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { openRedis } from '../resource/redis-connection.js';
import type { Db } from './db.js';
import { type CacheNotice, cacheRegistry } from './read-cache.js';

/** Channel of the read caches' change notices (beside `${prefix}revocations`). */
export const cacheNoticeChannel = (prefix: string) => `${prefix}cache-notices`;

type Wire = CacheNotice & { db: string; from: string };

export interface CacheNoticeOptions {
  redisUrl: string;
  keyPrefix: string;
  /** Safety net when a notice is lost: a cached read is at most this old. */
  ttlMs?: number;
  /** False for short-lived processes (the CLI): they only tell others, and read the store each time. */
  listen: boolean;
  logger?: Logger | undefined;
}

/**
 * Joins this process to the other instances' read-cache notices on Redis. Every store write is
 * published (through `publisher`, the process's ordinary Redis client); a listening process caches
 * reads only while its subscription is up, and forgets everything whenever it was down, because
 * notices sent meanwhile are lost. Notices name the database, so instances of other deployments
 * (or test files) sharing the Redis server do not disturb each other.
 */
export async function joinCacheNotices(
  db: Db,
  publisher: Redis,
  { redisUrl, keyPrefix, ttlMs, listen, logger }: CacheNoticeOptions,
): Promise<{ close(): void }> {
  const registry = cacheRegistry(db);
  const database = db.connection.name;
  const self = randomUUID();
  const channel = cacheNoticeChannel(keyPrefix);
  if (ttlMs !== undefined) registry.ttlMs = ttlMs;
  registry.tell = (notice) => {
    publisher.publish(channel, JSON.stringify({ ...notice, db: database, from: self })).catch((error: unknown) => {
      logger?.warn(
        { err: error, cache: notice.cache },
        'read-cache notice lost; other instances see the change when their cached copy expires',
      );
    });
  };
  if (!listen) return { close: () => undefined };

  const subscriber = openRedis(redisUrl, {
    lazyConnect: true,
    autoResubscribe: false,
    maxRetriesPerRequest: null,
    retryStrategy: (attempt) => Math.min(attempt * 100, 1000),
  });
  const goDark = () => {
    registry.live = false;
    registry.clear();
  };
  subscriber.on('message', (_channel: string, raw: string) => {
    let notice: Wire;
    try {
      notice = JSON.parse(raw) as Wire;
    } catch {
      return;
    }
    if (notice.db === database && notice.from !== self) registry.apply(notice);
  });
  subscriber.on('ready', () => {
    subscriber.subscribe(channel).then(
      () => {
        registry.clear();
        registry.live = true;
      },
      () => goDark(),
    );
  });
  subscriber.on('close', goDark);
  subscriber.on('error', () => {
    // Reconnects by itself; meanwhile reads go to the store.
  });
  await subscriber.connect().catch(() => undefined);
  return {
    close() {
      goDark();
      subscriber.disconnect();
    },
  };
}
