import { type Collection, MongoBulkWriteError } from 'mongodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Stores } from '../../src/stores/index.js';
import { openTestStores } from '../support/harness.js';

// The embedded FerretDB runs an insert of up to 100 documents as one autocommit statement
// (scripts/ferretdb-patches/0008-sqlite-single-statement-insert.patch). A failed statement must leave nothing
// behind, or the handler's retry of each document alone would meet the batch's own documents as duplicates:
// these checks expect MongoDB's answers for batches that fail, below and above one statement's size.

let stores: Stores;
beforeAll(async () => {
  stores = await openTestStores();
});
afterAll(() => stores.close());

interface Doc {
  _id: string;
  email?: string;
}

async function fresh(name: string): Promise<Collection<Doc>> {
  const db = stores.db.connection.db;
  if (!db) throw new Error('not connected');
  const c = db.collection<Doc>(name);
  await c.drop().catch(() => undefined);
  await c.createIndex({ email: 1 }, { unique: true });
  return c;
}

/** The failed positions of an insertMany, or [] when it succeeded. */
async function insertMany(c: Collection<Doc>, docs: Doc[], ordered: boolean): Promise<number[]> {
  try {
    await c.insertMany(docs, { ordered });
    return [];
  } catch (error) {
    if (!(error instanceof MongoBulkWriteError)) throw error;
    const errors = Array.isArray(error.writeErrors) ? error.writeErrors : [error.writeErrors];
    expect(errors.every((e) => e.code === 11000)).toBe(true);
    return errors.map((e) => e.index).sort((a, b) => a - b);
  }
}

const ids = async (c: Collection<Doc>) => (await c.find({}, { sort: { _id: 1 } }).toArray()).map((d) => d._id);
const docs = (prefix: string, n: number) =>
  Array.from({ length: n }, (_, i) => ({ _id: `${prefix}${String(i).padStart(3, '0')}`, email: `${prefix}${i}@x` }));

describe('FerretDB inserts that fail halfway', () => {
  it('an ordered batch keeps the documents before a duplicate _id, and none after', async () => {
    const c = await fresh('insert_ordered_id');
    await c.insertOne({ _id: 'b002', email: 'taken@x' });
    const batch = docs('b', 6);
    expect(await insertMany(c, batch, true)).toEqual([2]);
    expect(await ids(c)).toEqual(['b000', 'b001', 'b002']);
  });

  it('an unordered batch keeps every document but the duplicates (on _id or a unique index)', async () => {
    const c = await fresh('insert_unordered');
    await c.insertOne({ _id: 'u001', email: 'one@x' });
    await c.insertOne({ _id: 'other', email: 'u4@x' });
    expect(await insertMany(c, docs('u', 6), false)).toEqual([1, 4]);
    expect(await ids(c)).toEqual(['other', 'u000', 'u001', 'u002', 'u003', 'u005']);
    expect((await c.findOne({ _id: 'u001' }))?.email).toBe('one@x');
  });

  it('a batch larger than one statement keeps the same documents', async () => {
    const c = await fresh('insert_large');
    await c.insertOne({ _id: 'x', email: 'L150@x' });
    const batch = docs('L', 220);
    expect(await insertMany(c, batch, true)).toEqual([150]);
    expect(await c.countDocuments()).toBe(151);
    await c.deleteMany({ _id: { $ne: 'x' } });
    expect(await insertMany(c, batch, false)).toEqual([150]);
    expect(await c.countDocuments()).toBe(220);
  });

  it('a batch that duplicates itself keeps the first of each', async () => {
    const c = await fresh('insert_self');
    const batch = [...docs('s', 3), { _id: 's001', email: 'again@x' }, { _id: 's9', email: 's0@x' }];
    expect(await insertMany(c, batch, false)).toEqual([3, 4]);
    expect(await ids(c)).toEqual(['s000', 's001', 's002']);
  });

  it('concurrent inserts from several connections all land', async () => {
    const c = await fresh('insert_concurrent');
    await Promise.all(
      Array.from({ length: 8 }, async (_, w) => {
        for (let i = 0; i < 25; i++) {
          await c.insertMany(docs(`c${w}-${i}-`, 2));
          await c.insertOne({ _id: `c${w}-${i}`, email: `c${w}-${i}@x` });
        }
      }),
    );
    expect(await c.countDocuments()).toBe(8 * 25 * 3);
  });
});
