import type { Db } from '../stores/db.js';

/** One instance of something per database handle (a process has one; tests open several). */
export function perDatabase<T>(make: (db: Db) => T): (db: Db) => T {
  const made = new WeakMap<Db, T>();
  return (db) => {
    let one = made.get(db);
    if (one === undefined) {
      one = make(db);
      made.set(db, one);
    }
    return one;
  };
}

interface Asked<I, R> {
  item: I;
  resolve: (result: R) => void;
  reject: (error: unknown) => void;
}

/**
 * Grouped reads: what is asked for while a read is in flight is asked together in the next one, and
 * each caller gets its own answer (`read` returns one per item, in order). As with groupCommit
 * (src/stores/group-commit.ts), nothing waits on a timer: a lone request is read at once, and under
 * load one command serves many requests.
 */
export function groupReads<I, R>(read: (items: I[]) => Promise<R[]>, maxBatch = 256): (item: I) => Promise<R> {
  let pending: Array<Asked<I, R>> = [];
  let running = false;

  const drain = async () => {
    running = true;
    while (pending.length > 0) {
      const batch = pending.slice(0, maxBatch);
      pending = pending.slice(batch.length);
      try {
        const answers = await read(batch.map((asked) => asked.item));
        for (const [i, asked] of batch.entries()) asked.resolve(answers[i] as R);
      } catch (error) {
        for (const asked of batch) asked.reject(error);
      }
    }
    running = false;
  };

  return (item) =>
    new Promise<R>((resolve, reject) => {
      pending.push({ item, resolve, reject });
      if (!running) void drain();
    });
}
