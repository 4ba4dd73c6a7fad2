import type { Collection } from 'mongodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isDuplicateKeyError } from '../../src/stores/db.js';
import type { Stores } from '../../src/stores/index.js';
import { openTestStores } from '../support/harness.js';

// The embedded FerretDB keeps its SQLite statements prepared on each connection
// (scripts/ferretdb-patches/0007-sqlite-prepared-statement-cache.patch). A kept INSERT or UPDATE was compiled
// with the indexes of its time: these checks change the indexes and the collection between uses of the same
// statements, and expect MongoDB's answers (SQLite compiles a statement again when the schema changed).

let stores: Stores;
beforeAll(async () => {
  stores = await openTestStores();
});
afterAll(() => stores.close());

interface Doc {
  _id: string;
  k?: number;
  n?: number;
  at?: Date;
}

async function fresh(name: string): Promise<Collection<Doc>> {
  const db = stores.db.connection.db;
  if (!db) throw new Error('not connected');
  const c = db.collection<Doc>(name);
  await c.drop().catch(() => undefined);
  return c;
}

/** Runs the same find, insert, update, replace and delete texts often enough, and concurrently, to be kept. */
async function warm(c: Collection<Doc>, prefix: string) {
  await Promise.all(
    Array.from({ length: 8 }, async (_, w) => {
      for (let i = 0; i < 5; i++) {
        const _id = `${prefix}-${w}-${i}`;
        await c.insertOne({ _id, k: 1000 + w * 10 + i });
        await c.findOne({ _id });
        await c.updateOne({ _id }, { $set: { n: -1 } });
        await c.replaceOne({ _id }, { k: 1000 + w * 10 + i, n: -2 }, { upsert: true });
        await c.deleteOne({ _id });
      }
    }),
  );
}

describe('FerretDB kept statements and schema changes', () => {
  it('an index created after the writes were prepared gets the later writes', async () => {
    const c = await fresh('stmt_new_index');
    await c.insertMany(Array.from({ length: 50 }, (_, i) => ({ _id: `d${i}`, n: i })));
    await warm(c, 'w');
    await c.createIndex({ n: 1 });
    await Promise.all(Array.from({ length: 50 }, (_, i) => c.updateOne({ _id: `d${i}` }, { $set: { n: 1000 + i } })));
    await c.replaceOne({ _id: 'd7' }, { n: 5000 }, { upsert: true });
    await c.insertOne({ _id: 'new', n: 6000 });
    // Served from the new index (checked below): a write that missed it would not be found.
    expect(await c.find({ n: { $gte: 1000, $lt: 1050 } }).toArray()).toHaveLength(49);
    expect(await c.findOne({ n: 1007 })).toBeNull();
    expect((await c.findOne({ n: 5000 }))?._id).toBe('d7');
    expect((await c.findOne({ n: 6000 }))?._id).toBe('new');
    expect(await c.find({ n: { $lt: 50 } }).toArray()).toEqual([]);
    const plan = (await c.find({ n: 6000 }).explain()) as { queryPlanner?: { Plan?: string[] } };
    expect((plan.queryPlanner?.Plan ?? []).some((line) => /USING (COVERING )?INDEX \S+_n_1\b/.test(line))).toBe(true);
  });

  it('a unique index created or dropped after the inserts were prepared is enforced exactly while it exists', async () => {
    const c = await fresh('stmt_unique');
    await warm(c, 'w');
    await c.insertOne({ _id: 'a', k: 1 });
    await c.createIndex({ k: 1 }, { unique: true });
    const duplicate = await c.insertOne({ _id: 'b', k: 1 }).catch((e: unknown) => e);
    expect(isDuplicateKeyError(duplicate)).toBe(true);
    const updated = await c.updateOne({ _id: 'a' }, { $set: { n: 1 } });
    expect(updated.modifiedCount).toBe(1);
    await c.insertOne({ _id: 'c', k: 2 });
    const byUpdate = await c.updateOne({ _id: 'c' }, { $set: { k: 1 } }).catch((e: unknown) => e);
    expect(byUpdate).toBeInstanceOf(Error);
    await c.dropIndex('k_1');
    await warm(c, 'x');
    await c.insertOne({ _id: 'b', k: 1 });
    expect(await c.countDocuments({ k: 1 })).toBe(2);
  });

  it('a collection dropped and created again is read and written as new', async () => {
    let c = await fresh('stmt_recreate');
    await warm(c, 'w');
    await c.insertMany([
      { _id: 'a', k: 1 },
      { _id: 'b', k: 2 },
    ]);
    await c.drop();
    c = await fresh('stmt_recreate');
    await c.createIndex({ k: 1 }, { unique: true });
    expect(await c.findOne({ _id: 'a' })).toBeNull();
    await warm(c, 'y');
    await c.insertOne({ _id: 'a', k: 3 });
    expect(await c.findOne({ _id: 'a' })).toEqual({ _id: 'a', k: 3 });
    const duplicate = await c.insertOne({ _id: 'z', k: 3 }).catch((e: unknown) => e);
    expect(isDuplicateKeyError(duplicate)).toBe(true);
    expect(await c.countDocuments({})).toBe(1);
  });
});
