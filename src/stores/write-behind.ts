import type { Db } from './db.js';

/** How often aggregated counters and "last used" times reach the database. */
export const WRITE_BEHIND_INTERVAL_MS = 1_000;
/** Above this many pending keys (the database has been away a long while) the oldest are dropped. */
const MAX_PENDING = 100_000;

export interface WriteBehind<V> {
  /** Adds a change; it reaches the database within the interval. */
  add(key: string, value: V): void;
  /** Writes what is pending now (at shutdown, and in tests). */
  flush(): Promise<void>;
}

const registries = new WeakMap<object, Set<WriteBehind<unknown>>>();

/**
 * Aggregates changes that are not worth a database write each (issuance counters, "last used"
 * times) in memory, merged per key, and writes them together at most every second. A crash loses at
 * most the last second of them; a failed write keeps them for the next one.
 */
export function writeBehind<V>(
  db: Db,
  merge: (earlier: V, later: V) => V,
  write: (changes: Map<string, V>) => Promise<void>,
  intervalMs = WRITE_BEHIND_INTERVAL_MS,
): WriteBehind<V> {
  let pending = new Map<string, V>();
  let timer: NodeJS.Timeout | undefined;
  let writing: Promise<void> = Promise.resolve();

  const writeNow = async () => {
    timer = undefined;
    if (!pending.size) return;
    const changes = pending;
    pending = new Map();
    try {
      await write(changes);
    } catch {
      // Put them back under what arrived meanwhile; the next interval tries again.
      for (const [key, value] of changes) {
        const later = pending.get(key);
        pending.set(key, later === undefined ? value : merge(value, later));
      }
      while (pending.size > MAX_PENDING) pending.delete(pending.keys().next().value as string);
      schedule();
    }
  };
  const schedule = () => {
    if (timer) return;
    timer = setTimeout(() => {
      writing = writing.then(writeNow);
    }, intervalMs);
    timer.unref();
  };

  const behind: WriteBehind<V> = {
    add(key, value) {
      const earlier = pending.get(key);
      pending.set(key, earlier === undefined ? value : merge(earlier, value));
      schedule();
    },
    flush() {
      if (timer) clearTimeout(timer);
      writing = writing.then(writeNow);
      return writing;
    },
  };
  let registry = registries.get(db.connection);
  if (!registry) {
    registry = new Set();
    registries.set(db.connection, registry);
  }
  registry.add(behind as WriteBehind<unknown>);
  return behind;
}

/** Writes every pending aggregated change of the database (before it is closed). */
export async function flushWritesBehind(db: Db): Promise<void> {
  await Promise.all([...(registries.get(db.connection) ?? [])].map((behind) => behind.flush()));
}
