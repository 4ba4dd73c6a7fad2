import type { Redis } from 'ioredis';
import { tokenHash } from './introspection.js';
import {
  NOTICE_LIFETIME_SECONDS,
  type RevocationNotice,
  recentRevocationsKey,
  revocationChannel,
} from './revocation-notice.js';
import type { TokenClaims } from './token-claims.js';

/** ioredis is needed by the feed only: resource servers that verify without it never load it. */
async function loadOpenRedis() {
  try {
    return (await import('./redis-connection.js')).openRedis;
  } catch (error) {
    throw new Error(
      `orgauth's revocationFeed needs the ioredis package (npm install ioredis): ${(error as Error).message}`,
    );
  }
}

export interface RevocationFeedOptions {
  redisUrl: string;
  /** Orgauth's REDIS_KEY_PREFIX. */
  keyPrefix?: string;
  logger?: { warn(message: string): void; info?(message: string): void };
}

export interface RevocationFeed {
  isRevoked(claims: TokenClaims): boolean;
  /** Called for every notice (the middleware drops cached introspection answers). */
  onNotice(listener: (notice: RevocationNotice) => void): void;
  /**
   * Resolves once the feed listens and has replayed recent notices (or has said in the logs why
   * not); rejects only when ioredis is not installed.
   */
  ready(): Promise<void>;
  close(): Promise<void>;
}

/**
 * Listens to Orgauth's revocation notices. On every (re)connection it first replays the recent
 * ones, so a middleware that was cut off catches up instead of trusting revoked tokens until they
 * expire. While Redis is away it keeps verifying tokens and says so in the logs.
 */
export function revocationFeed({
  redisUrl,
  keyPrefix = 'orgauth:',
  logger = console,
}: RevocationFeedOptions): RevocationFeed {
  const listeners: Array<(notice: RevocationNotice) => void> = [];
  const grants = new Map<string, number>();
  const members = new Map<string, number>();
  const clients = new Map<string, number>();
  const tokens = new Map<string, number>();
  const apiKeys = new Map<string, number>();
  let connected = false;
  let starting = true;

  const latest = (map: Map<string, number>, key: string, at: number) => map.set(key, Math.max(map.get(key) ?? 0, at));
  const apply = (notice: RevocationNotice) => {
    if (notice.kind === 'grant') latest(grants, `${notice.sub}|${notice.clientId}|${notice.orgId}`, notice.at);
    else if (notice.kind === 'member') latest(members, `${notice.sub}|${notice.orgId}`, notice.at);
    else if (notice.kind === 'client') latest(clients, notice.clientId, notice.at);
    else if (notice.kind === 'token') latest(tokens, notice.jtiHash, notice.at);
    else if (notice.kind === 'api_key') latest(apiKeys, notice.keyId, notice.at);
    for (const listener of listeners) listener(notice);
  };
  const parse = (raw: string): RevocationNotice | undefined => {
    try {
      return JSON.parse(raw) as RevocationNotice;
    } catch {
      return undefined;
    }
  };
  const prune = () => {
    const horizon = Date.now() - NOTICE_LIFETIME_SECONDS * 1000;
    for (const map of [grants, members, clients, tokens, apiKeys]) {
      for (const [key, at] of map) if (at < horizon) map.delete(key);
    }
  };
  const pruneTimer = setInterval(prune, 60_000);
  pruneTimer.unref();

  let closed = false;
  let connections: { subscriber: Redis; reader: Redis } | undefined;

  /** Opens the two connections and wires them: the subscriber listens, the reader replays. */
  const open = (openRedis: Awaited<ReturnType<typeof loadOpenRedis>>) => {
    const subscriber = openRedis(redisUrl, {
      lazyConnect: true,
      maxRetriesPerRequest: null,
      retryStrategy: (n) => Math.min(n * 200, 2000),
    });
    const reader = openRedis(redisUrl, {
      lazyConnect: true,
      keyPrefix,
      enableOfflineQueue: false,
      maxRetriesPerRequest: 1,
      retryStrategy: (n) => Math.min(n * 200, 2000),
    });
    const replay = async () => {
      const recent = await reader.zrangebyscore(recentRevocationsKey, Date.now(), '+inf');
      for (const raw of recent) {
        const notice = parse(raw);
        if (notice) apply(notice);
      }
    };
    subscriber.on('message', (_channel: string, raw: string) => {
      const notice = parse(raw);
      if (notice) apply(notice);
    });
    const replayOnce = () =>
      replay().catch((error: unknown) =>
        logger.warn(`orgauth revocation notices: replay failed: ${(error as Error).message}`),
      );
    // Subscribing again is harmless (the start may have failed before it subscribed).
    const catchUp = () => {
      subscriber.subscribe(revocationChannel(keyPrefix)).catch(() => undefined);
      if (reader.status === 'ready') void replayOnce();
      else reader.once('ready', () => void replayOnce());
    };
    subscriber.on('ready', () => {
      if (!connected) logger.info?.('orgauth revocation notices: listening');
      connected = true;
      // While starting, the start below replays once both clients are up; later, a reconnection replays
      // what it missed as soon as the reader can read (it may come back after the subscriber).
      if (!starting) catchUp();
    });
    subscriber.on('error', () => {});
    reader.on('error', () => {});
    subscriber.on('close', () => {
      if (connected)
        logger.warn('orgauth revocation notices are not arriving (Redis unreachable); JWTs are still verified');
      connected = false;
    });
    return { subscriber, reader, replay, catchUp };
  };

  const started = (async () => {
    const openRedis = await loadOpenRedis();
    if (closed) return;
    const { subscriber, reader, replay, catchUp } = open(openRedis);
    connections = { subscriber, reader };
    try {
      await Promise.all([subscriber.connect(), reader.connect()]);
      await subscriber.subscribe(revocationChannel(keyPrefix));
      await replay();
    } catch (error) {
      if (!closed)
        logger.warn(
          `orgauth revocation notices are not arriving (${(error as Error).message}); JWTs are still verified`,
        );
      if (subscriber.status === 'ready') catchUp();
    } finally {
      starting = false;
    }
  })();
  started.catch((error: unknown) => logger.warn((error as Error).message));

  const revokedAt = (claims: TokenClaims): number | undefined => {
    const candidates = [
      grants.get(`${claims.sub}|${claims.clientId}|${claims.orgId}`),
      members.get(`${claims.sub}|${claims.orgId}`),
      claims.clientId ? clients.get(claims.clientId) : undefined,
    ];
    return Math.max(0, ...candidates.filter((v): v is number => v !== undefined));
  };

  return {
    isRevoked(claims) {
      if (claims.jti && tokens.has(tokenHash(claims.jti))) return true;
      if (claims.keyId && apiKeys.has(claims.keyId)) return true;
      const at = revokedAt(claims);
      return Boolean(at) && (claims.iat ?? 0) * 1000 <= (at ?? 0);
    },
    onNotice(listener) {
      listeners.push(listener);
    },
    ready: () => started,
    async close() {
      closed = true;
      clearInterval(pruneTimer);
      connections?.subscriber.disconnect();
      connections?.reader.disconnect();
    },
  };
}
