import { Redis, type RedisOptions } from 'ioredis';

const SENTINEL_URL = /^redis\+sentinel:\/\/(?:([^:@/]*)(?::([^@/]*))?@)?([^/@]+)\/([^/?#]+)(?:\/(\d+))?\/?$/;

/**
 * Opens a Redis client from a URL: `redis://` or `rediss://` as ioredis reads them, or
 * `redis+sentinel://[user:password@]host:port[,host:port…]/master-name[/db]` for a Redis Sentinel
 * deployment (the credentials are the data nodes'). Through Sentinel the client follows a failover
 * to the new primary by itself.
 */
export function openRedis(url: string, options: RedisOptions = {}): Redis {
  const sentinel = SENTINEL_URL.exec(url);
  if (!sentinel) return new Redis(url, options);
  const [, username, password, hosts = '', name, db] = sentinel;
  return new Redis({
    ...options,
    sentinels: hosts.split(',').map((address) => {
      const [host, port] = address.split(':');
      return { host, port: Number(port || 26379) };
    }),
    name: decodeURIComponent(name ?? ''),
    ...(username ? { username: decodeURIComponent(username) } : {}),
    ...(password ? { password: decodeURIComponent(password) } : {}),
    ...(db ? { db: Number(db) } : {}),
    failoverDetector: true,
    // A primary demoted by a failover answers writes with READONLY: reconnect to find the new one.
    reconnectOnError: (error) => (error.message.startsWith('READONLY') ? 2 : false),
  });
}

/** Whether a URL is one `openRedis` accepts. */
export function isRedisUrl(url: string): boolean {
  return /^rediss?:\/\//.test(url) || SENTINEL_URL.test(url);
}
