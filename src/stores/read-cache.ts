import type { Db } from './db.js';

/**
 * What a store's write tells every instance: forget one key, every key starting with `prefix`, or every
 * entry whose value carries `tag` (e.g. every cached token of a revoked grant).
 */
export type CacheNotice =
  | { cache: string; key: string }
  | { cache: string; prefix: string }
  | { cache: string; tag: string };

/** Defaults: a cached read lives at most this long even if a notice is lost, and a cache holds at most this many keys. */
export const READ_CACHE_DEFAULTS = { ttlMs: 30_000, maxEntries: 20_000 } as const;

interface Entry {
  value: Promise<unknown>;
  expiresAt: number;
  /** The loaded value's tags; undefined while it loads. */
  tags?: readonly string[];
}

/** How a cache keeps what it loaded. */
export interface CachedReadOptions<V> {
  /** Whether to keep the loaded value (default: always); a value not kept is still answered. */
  keep?: (value: V) => boolean;
  /** Tags of the value, which a tag notice (`forgetCachedTag`) names to forget it without its key. */
  tagsOf?: (value: V) => string[];
}

/**
 * The per-process read caches of one database. Caching is only allowed while this process hears
 * every instance's change notices (`live`, set by cache-notices.ts while its Redis subscription is
 * up); otherwise every read goes to the store. Stores invalidate through `forgetCached`, which
 * forgets locally at once and tells the other instances.
 */
class CacheRegistry {
  readonly caches = new Map<string, Map<string, Entry>>();
  live = false;
  ttlMs: number = READ_CACHE_DEFAULTS.ttlMs;
  maxEntries: number = READ_CACHE_DEFAULTS.maxEntries;
  tell: ((notice: CacheNotice) => void) | undefined;

  entries(cache: string): Map<string, Entry> {
    let entries = this.caches.get(cache);
    if (!entries) {
      entries = new Map();
      this.caches.set(cache, entries);
    }
    return entries;
  }

  /** Applies a notice from any instance (this one included). */
  apply(notice: CacheNotice): void {
    const entries = this.caches.get(notice.cache);
    if (!entries) return;
    if ('key' in notice) {
      entries.delete(notice.key);
      return;
    }
    if ('tag' in notice) {
      // An entry still loading may be about to hold a value of that tag: it is forgotten too.
      for (const [key, entry] of entries) if (!entry.tags || entry.tags.includes(notice.tag)) entries.delete(key);
      return;
    }
    for (const key of entries.keys()) if (key.startsWith(notice.prefix)) entries.delete(key);
  }

  clear(): void {
    for (const entries of this.caches.values()) entries.clear();
  }
}

const registries = new WeakMap<object, CacheRegistry>();

/** The caches of a database (keyed by its connection: every `Db` built on it shares them). */
export function cacheRegistry(db: Db): CacheRegistry {
  let registry = registries.get(db.connection);
  if (!registry) {
    registry = new CacheRegistry();
    registries.set(db.connection, registry);
  }
  return registry;
}

/**
 * Reads `key` of the named cache through `load`. Concurrent readers of a missing key share one load,
 * so a request that asks several times reads once. A failed load is not kept. Values are frozen:
 * callers share them.
 */
export function cachedRead<V>(
  db: Db,
  cache: string,
  key: string,
  load: () => Promise<V>,
  options: CachedReadOptions<V> = {},
): Promise<V> {
  const registry = cacheRegistry(db);
  if (!registry.live || registry.ttlMs === 0) return load();
  const entries = registry.entries(cache);
  const now = Date.now();
  const hit = entries.get(key);
  if (hit && hit.expiresAt > now) return hit.value as Promise<V>;
  const value = load().then((loaded) => {
    if (options.keep && !options.keep(loaded)) {
      if (entries.get(key) === entry) entries.delete(key);
    } else entry.tags = options.tagsOf?.(loaded) ?? [];
    return loaded && typeof loaded === 'object' ? Object.freeze(loaded) : loaded;
  });
  const entry: Entry = { value, expiresAt: now + registry.ttlMs };
  entries.delete(key);
  entries.set(key, entry);
  if (entries.size > registry.maxEntries) entries.delete(entries.keys().next().value as string);
  value.catch(() => {
    if (entries.get(key) === entry) entries.delete(key);
  });
  return value;
}

/**
 * After a write: forgets the key here at once and tells the other instances. Call it after the
 * write succeeded (a reader between the write and this call may still see the old value, as it would
 * reading the database a moment earlier), and also when the write failed half-way.
 */
export function forgetCached(db: Db, cache: string, key: string): void {
  tellEveryInstance(db, { cache, key });
}

/** Forgets every key of the cache that starts with `prefix` (e.g. every membership of an organization). */
export function forgetCachedPrefix(db: Db, cache: string, prefix: string): void {
  tellEveryInstance(db, { cache, prefix });
}

/** Forgets every entry of the cache whose value carries `tag` (see CachedReadOptions.tagsOf). */
export function forgetCachedTag(db: Db, cache: string, tag: string): void {
  tellEveryInstance(db, { cache, tag });
}

/** Forgets a key in this process only: for a write no other instance can have read before (a new record). */
export function forgetCachedHere(db: Db, cache: string, key: string): void {
  cacheRegistry(db).apply({ cache, key });
}

function tellEveryInstance(db: Db, notice: CacheNotice): void {
  const registry = cacheRegistry(db);
  registry.apply(notice);
  registry.tell?.(notice);
}
