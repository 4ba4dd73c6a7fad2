import type { Document as BaseDocument, Collection, Filter, Sort } from 'mongodb';
import mongoose from 'mongoose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isDuplicateKeyError } from '../../src/stores/db.js';
import type { Stores } from '../../src/stores/index.js';
import { openTestStores } from '../support/harness.js';

// The embedded FerretDB's SQLite backend serves queries through indexes thanks to the patches in
// scripts/ferretdb-patches/ (docs/embedded-store.md). For each query shape the application uses, this file checks
// the plan SQLite runs (through `explain`) and that results are MongoDB's, in particular where a plain SQL
// filter would differ: array-valued fields, mixed types in one field, int vs double, ObjectId vs string.
// Expected results are MongoDB's answers; the plan checks read FerretDB's explain output (queryPlanner.Plan holds
// SQLite's EXPLAIN QUERY PLAN lines, limitPushdown says whether the LIMIT went into the SQL).

const { ObjectId, Double, Long } = mongoose.mongo;

/** Documents whose _id may be of any type (the driver's default schema types _id as an ObjectId). */
type Id = string | number | Date | InstanceType<typeof ObjectId>;
interface Document {
  _id: Id;
  [key: string]: unknown;
}

let stores: Stores;
beforeAll(async () => {
  stores = await openTestStores();
});
afterAll(() => stores.close());

function collection(name: string): Collection<Document> {
  const db = stores.db.connection.db;
  if (!db) throw new Error('not connected');
  return db.collection<Document>(name);
}

async function fresh(name: string, indexes: Record<string, 1 | -1>[], docs: Document[]) {
  const c = collection(name);
  await c.drop().catch(() => undefined);
  for (const key of indexes) await c.createIndex(key); // this creates the collection
  if (docs.length) await c.insertMany(docs);
  return c;
}

interface Explained {
  plan: string[];
  limitPushdown: boolean;
}

async function explain(c: Collection<Document>, filter: Filter<Document>, sort?: Sort, limit?: number) {
  let cursor = c.find(filter);
  if (sort) cursor = cursor.sort(sort);
  if (limit) cursor = cursor.limit(limit);
  const e = (await cursor.explain()) as BaseDocument;
  return {
    plan: (e.queryPlanner?.Plan ?? []) as string[],
    limitPushdown: e.limitPushdown === true,
  } satisfies Explained;
}

/** The plan seeks the named index (SEARCH ... USING INDEX <table>_<index>) and, if sorted, does not sort. */
function expectIndexed(e: Explained, index: string, { sorted = false } = {}) {
  const details = e.plan.map((line) => line.replace(/^.*detail=/, ''));
  expect(details.some((d) => new RegExp(`^SEARCH \\S+ USING (COVERING )?INDEX \\S+_${index} \\(`).test(d))).toBe(true);
  expect(details.some((d) => d.startsWith('SCAN'))).toBe(false);
  if (sorted) expect(details.some((d) => d.includes('TEMP B-TREE'))).toBe(false);
}

const ids = (docs: Document[]) => docs.map((d) => String(d._id));
const sortedIds = (docs: Document[]) => ids(docs).sort();

describe('FerretDB index pushdown: plans', () => {
  const orgs = ['org-a', 'org-b', 'org-c'];
  const t0 = Date.UTC(2030, 0, 1);
  let c: Collection<Document>;

  beforeAll(async () => {
    const docs: Document[] = [];
    for (let i = 0; i < 900; i++)
      docs.push({
        _id: `e${String(i).padStart(4, '0')}`,
        orgId: orgs[i % 3],
        at: new Date(t0 + i * 60_000),
        expiresAt: new Date(t0 + (i % 100) * 1000),
        n: i % 7,
        ok: i % 2 === 0,
        ref: new ObjectId(`${'0'.repeat(16)}${String(i % 5).padStart(8, '0')}`),
        color: i % 4 === 0 ? 'red' : 'blue',
      });
    c = await fresh(
      'pd_plans',
      [{ orgId: 1, _id: 1 }, { orgId: 1, at: -1 }, { expiresAt: 1 }, { n: 1 }, { ok: 1 }, { ref: 1 }],
      docs,
    );
  });

  it('equality on indexed fields: string, $eq, number, boolean, date, ObjectId', async () => {
    expectIndexed(await explain(c, { orgId: 'org-a' }), 'orgId_1_(_id_1|at_-1)');
    expectIndexed(await explain(c, { orgId: { $eq: 'org-a' } }), 'orgId_1_(_id_1|at_-1)');
    expectIndexed(await explain(c, { n: 3 }), 'n_1');
    expectIndexed(await explain(c, { n: new Double(3) }), 'n_1');
    expectIndexed(await explain(c, { ok: true }), 'ok_1');
    expectIndexed(await explain(c, { expiresAt: new Date(t0 + 5000) }), 'expiresAt_1');
    expectIndexed(await explain(c, { ref: new ObjectId(`${'0'.repeat(16)}00000002`) }), 'ref_1');
    expect(await c.countDocuments({ orgId: 'org-a' })).toBe(300);
    expect(await c.countDocuments({ n: new Double(3) })).toBe(129);
    expect(await c.countDocuments({ ok: true })).toBe(450);
    expect(await c.countDocuments({ expiresAt: new Date(t0 + 5000) })).toBe(9);
  });

  it('_id equality and $in are served by the _id index', async () => {
    expectIndexed(await explain(c, { _id: 'e0042' }), '_id_');
    expectIndexed(await explain(c, { _id: { $in: ['e0001', 'e0500', 'nope'] } }), '_id_');
    expect(sortedIds(await c.find({ _id: { $in: ['e0001', 'e0500', 'nope'] } }).toArray())).toEqual(['e0001', 'e0500']);
    // long lists stay well below SQLite's 32,766 variables per statement (not pushed down past 5,000 values)
    const many = Array.from({ length: 40_000 }, (_, i) => `e${String(i).padStart(4, '0')}`);
    expect(await c.countDocuments({ _id: { $in: many } })).toBe(900);
    expect(await c.countDocuments({ _id: { $in: many.slice(0, 4000) }, orgId: 'org-a' })).toBe(300);
    expectIndexed(await explain(c, { n: { $in: [1, new Double(2)] } }), 'n_1');
    expect(await c.countDocuments({ n: { $in: [1, new Double(2)] } })).toBe(258);
  });

  it('newest by _id without a filter walks the _id index and stops at the limit', async () => {
    const e = await explain(c, {}, { _id: -1 }, 1);
    expect(e.limitPushdown).toBe(true);
    expect(e.plan.some((l) => /USING (COVERING )?INDEX \S+__id_/.test(l))).toBe(true);
    expect(e.plan.some((l) => l.includes('TEMP B-TREE'))).toBe(false);
    expect(ids(await c.find({}).sort({ _id: -1 }).limit(2).toArray())).toEqual(['e0899', 'e0898']);
  });

  it('ranges on _id and dates, with a limit', async () => {
    const now = new Date(t0 + 10_000);
    const e = await explain(c, { expiresAt: { $lt: now } }, undefined, 50);
    expectIndexed(e, 'expiresAt_1');
    expect(e.limitPushdown).toBe(true);
    const expired = await c
      .find({ expiresAt: { $lt: now } })
      .limit(50)
      .toArray();
    expect(expired).toHaveLength(50);
    expect(expired.every((d) => (d.expiresAt as Date) < now)).toBe(true);
    expect(await c.countDocuments({ expiresAt: { $gte: now, $lte: new Date(t0 + 19_000) } })).toBe(90);
    expectIndexed(await explain(c, { _id: { $gt: 'e0100', $lte: 'e0200' } }), '_id_');
    expect(await c.countDocuments({ _id: { $gt: 'e0100', $lte: 'e0200' } })).toBe(100);
  });

  it('keyset page: equality + range on a compound index, sorted and limited in SQL', async () => {
    const e = await explain(c, { orgId: 'org-b', _id: { $gt: 'e0300' } }, { _id: 1 }, 51);
    expectIndexed(e, 'orgId_1__id_1', { sorted: true });
    expect(e.limitPushdown).toBe(true);
    const first = await explain(c, { orgId: 'org-b' }, { _id: 1 }, 51);
    expectIndexed(first, 'orgId_1__id_1', { sorted: true });
    expect(first.limitPushdown).toBe(true);
    const desc = await explain(c, { orgId: 'org-b', _id: { $lt: 'e0600' } }, { _id: -1 }, 10);
    expectIndexed(desc, 'orgId_1__id_1', { sorted: true });
    const page = await c
      .find({ orgId: 'org-b', _id: { $lt: 'e0600' } })
      .sort({ _id: -1 })
      .limit(3)
      .toArray();
    expect(ids(page)).toEqual(['e0598', 'e0595', 'e0592']);
  });

  it('latest first on {orgId: 1, at: -1}, sorted and limited in SQL', async () => {
    const e = await explain(c, { orgId: 'org-c' }, { at: -1 }, 20);
    expectIndexed(e, 'orgId_1_at_-1', { sorted: true });
    expect(e.limitPushdown).toBe(true);
    const latest = await c.find({ orgId: 'org-c' }).sort({ at: -1 }).limit(3).toArray();
    expect(ids(latest)).toEqual(['e0899', 'e0896', 'e0893']);
    const range = await c
      .find({ orgId: 'org-c', at: { $lt: new Date(t0 + 600 * 60_000) } })
      .sort({ at: -1 })
      .limit(2)
      .toArray();
    expect(ids(range)).toEqual(['e0599', 'e0596']);
  });

  it('an unindexed field is still filtered correctly (by a scan)', async () => {
    const e = await explain(c, { color: 'red' }, { _id: 1 }, 5);
    expect(e.plan.some((l) => l.includes('SCAN'))).toBe(true);
    expect(ids(await c.find({ color: 'red' }).sort({ _id: 1 }).limit(3).toArray())).toEqual([
      'e0000',
      'e0004',
      'e0008',
    ]);
    expect(await c.countDocuments({ orgId: 'org-a', color: 'red' })).toBe(75);
  });
});

describe('FerretDB index pushdown: MongoDB semantics', () => {
  const oid = new ObjectId('5f0000000000000000000005');
  // One indexed field `v` holding every type the application queries on, plus arrays, null and missing.
  const docs: Document[] = [
    { _id: 's5', v: '5' },
    { _id: 'sa', v: 'a' },
    { _id: 'sb', v: 'b' },
    { _id: 'shex', v: '5f0000000000000000000005' },
    { _id: 'i5', v: 5 },
    { _id: 'd5', v: new Double(5) },
    { _id: 'l5', v: Long.fromNumber(5) },
    { _id: 'd2', v: new Double(2.5) },
    { _id: 'i7', v: 7 },
    { _id: 'date5', v: new Date(5) },
    { _id: 'date9', v: new Date(9) },
    { _id: 'true', v: true },
    { _id: 'false', v: false },
    { _id: 'oid', v: oid },
    { _id: 'null', v: null },
    { _id: 'missing' },
    { _id: 'obj', v: { x: 1 } },
    { _id: 'arr', v: ['a', 6, new Date(7)] },
    { _id: 'empty', v: [] },
  ];
  let c: Collection<Document>;

  beforeAll(async () => {
    c = await fresh('pd_types', [{ v: 1 }], docs);
  });

  const find = async (filter: Filter<Document>) => sortedIds(await c.find(filter).toArray());

  it('equality matches scalars of the same type and arrays holding the value', async () => {
    expect(await find({ v: 'a' })).toEqual(['arr', 'sa']);
    expect(await find({ v: { $eq: 'a' } })).toEqual(['arr', 'sa']);
    expect(await find({ v: 5 })).toEqual(['d5', 'i5', 'l5']);
    expect(await find({ v: new Double(5) })).toEqual(['d5', 'i5', 'l5']);
    expect(await find({ v: 6 })).toEqual(['arr']);
    expect(await find({ v: new Date(7) })).toEqual(['arr']);
    expect(await find({ v: new Date(5) })).toEqual(['date5']);
    expect(await find({ v: true })).toEqual(['true']);
    expect(await find({ v: oid })).toEqual(['oid']);
    expect(await find({ v: '5f0000000000000000000005' })).toEqual(['shex']);
  });

  it('ranges are type-bracketed and match arrays through their elements', async () => {
    expect(await find({ v: { $gt: 4 } })).toEqual(['arr', 'd5', 'i5', 'i7', 'l5']);
    expect(await find({ v: { $gte: new Double(2.5), $lt: 5 } })).toEqual(['d2']);
    expect(await find({ v: { $lt: 'b' } })).toEqual(['arr', 's5', 'sa', 'shex']);
    expect(await find({ v: { $gt: new Date(6) } })).toEqual(['arr', 'date9']);
    expect(await find({ v: { $lte: new Date(5) } })).toEqual(['date5']);
    expect(await find({ v: { $gt: false } })).toEqual(['true']);
    expect(await find({ v: { $gte: new ObjectId('000000000000000000000000') } })).toEqual(['oid']);
  });

  it('$in mixes types', async () => {
    expect(await find({ v: { $in: ['b', 7, oid] } })).toEqual(['i7', 'oid', 'sb']);
    expect(await find({ _id: { $in: ['i5', 'date9', 'nope'] } })).toEqual(['date9', 'i5']);
  });

  it('sorts mixed types in MongoDB order, with arrays by their smallest or largest element', async () => {
    const asc = ids(await c.find({}).sort({ v: 1, _id: 1 }).toArray());
    expect(asc.slice(0, 4)).toEqual(['empty', 'missing', 'null', 'd2']);
    const limited = ids(
      await c
        .find({ _id: { $gte: 'a' } })
        .sort({ v: 1 })
        .limit(5)
        .toArray(),
    );
    // empty array first, then null and missing (equal), then numbers from 2.5; `arr` sorts by 6 (after the fives)
    expect(limited[0]).toBe('empty');
    expect(limited.slice(1, 3).sort()).toEqual(['missing', 'null']);
    expect(limited.slice(3)).toEqual(['d2', limited[4]]);
    expect(['d5', 'i5', 'l5']).toContain(limited[4]);
    const desc = ids(await c.find({}).sort({ v: -1 }).limit(3).toArray());
    expect(desc).toEqual(['date9', 'arr', 'date5']);
  });

  it('ObjectId _id and string _id with the same hex are distinct documents', async () => {
    const ids2 = await fresh(
      'pd_ids',
      [],
      [
        { _id: oid, k: 1 },
        { _id: oid.toHexString(), k: 2 },
      ],
    );
    expect((await ids2.findOne({ _id: oid }))?.k).toBe(1);
    expect((await ids2.findOne({ _id: oid.toHexString() }))?.k).toBe(2);
    expect(await ids2.countDocuments({ _id: { $gt: 'a' } })).toBe(0);
    expect(await ids2.countDocuments({ _id: { $gte: '5' } })).toBe(1);
  });

  it('unique indexes: 5 and 5.0 collide, ObjectId and its hex string do not, nulls collide', async () => {
    const u = collection('pd_unique');
    await u.drop().catch(() => undefined);
    await u.createIndex({ k: 1 }, { unique: true });
    await u.insertOne({ _id: 'a', k: 5 });
    expect(isDuplicateKeyError(await u.insertOne({ _id: 'b', k: new Double(5) }).catch((e) => e))).toBe(true);
    await u.insertOne({ _id: 'c', k: oid });
    await u.insertOne({ _id: 'd', k: oid.toHexString() });
    await u.insertOne({ _id: 'e', k: null });
    expect(isDuplicateKeyError(await u.insertOne({ _id: 'f', k: null }).catch((e) => e))).toBe(true);
  });
});

describe('FerretDB index pushdown: arrays and limits', () => {
  it('an array-valued row among scalars: sort + limit still returns the right documents', async () => {
    const t0 = Date.UTC(2030, 0, 1);
    const docs: Document[] = [];
    for (let i = 0; i < 200; i++)
      docs.push({ _id: `r${String(i).padStart(3, '0')}`, orgId: 'o1', at: new Date(t0 + i) });
    // its smallest element sorts first ascending, its largest first descending
    docs.push({ _id: 'arr', orgId: 'o1', at: [new Date(t0 + 500), new Date(t0 - 1)] });
    docs.push({ _id: 'other-org', orgId: 'o2', at: new Date(t0 - 5) });
    const c = await fresh('pd_arrays', [{ orgId: 1, at: -1 }], docs);

    const asc = await c.find({ orgId: 'o1' }).sort({ at: 1 }).limit(3).toArray();
    expect(ids(asc)).toEqual(['arr', 'r000', 'r001']);
    const desc = await c.find({ orgId: 'o1' }).sort({ at: -1 }).limit(2).toArray();
    expect(ids(desc)).toEqual(['arr', 'r199']);
    const range = await c
      .find({ orgId: 'o1', at: { $lt: new Date(t0 + 2) } })
      .sort({ at: 1 })
      .limit(10)
      .toArray();
    expect(ids(range)).toEqual(['arr', 'r000', 'r001']);
    const after = await c
      .find({ orgId: 'o1', at: { $gt: new Date(t0 + 198) } })
      .sort({ at: 1 })
      .limit(5)
      .toArray();
    expect(ids(after)).toEqual(['arr', 'r199']); // an array sorts by its smallest element, matching or not
    // the array was found: no LIMIT in SQL (the handler would lose rows it filters out)
    expect((await explain(c, { orgId: 'o1' }, { at: 1 }, 3)).limitPushdown).toBe(false);

    // once the array is gone, the same query is limited in SQL again
    await c.deleteOne({ _id: 'arr' });
    const e = await explain(c, { orgId: 'o1' }, { at: 1 }, 3);
    expect(e.limitPushdown).toBe(true);
    expectIndexed(e, 'orgId_1_at_-1', { sorted: true });
    expect(ids(await c.find({ orgId: 'o1' }).sort({ at: 1 }).limit(3).toArray())).toEqual(['r000', 'r001', 'r002']);
  });

  it('an array in the filtered field: equality and range on an element, with limit', async () => {
    const docs: Document[] = [];
    for (let i = 0; i < 100; i++) docs.push({ _id: `t${String(i).padStart(3, '0')}`, tag: i % 2 ? 'x' : 'y' });
    docs.push({ _id: 'both', tag: ['y', 'x'] }, { _id: 'zed', tag: ['z'] });
    const c = await fresh('pd_tags', [{ tag: 1 }], docs);
    expect(await c.countDocuments({ tag: 'x' })).toBe(51);
    expect(ids(await c.find({ tag: 'x' }).sort({ _id: 1 }).limit(2).toArray())).toEqual(['both', 't001']);
    expect(
      ids(
        await c
          .find({ tag: { $gt: 'y' } })
          .limit(5)
          .toArray(),
      ),
    ).toEqual(['zed']);
    expect(sortedIds(await c.find({ tag: { $in: ['z', 'nope'] } }).toArray())).toEqual(['zed']);
  });

  it('keyset pagination over {orgId: 1, _id: 1} returns exactly the right pages', async () => {
    const docs: Document[] = [];
    for (let i = 0; i < 1500; i++)
      docs.push({ _id: `k${String((i * 7919) % 1500).padStart(5, '0')}`, orgId: `org${i % 3}` });
    const c = await fresh('pd_pages', [{ orgId: 1, _id: 1 }], docs);
    const expected = docs
      .filter((d) => d.orgId === 'org1')
      .map((d) => d._id as string)
      .sort();
    const seen: string[] = [];
    let cursor: string | undefined;
    for (;;) {
      const filter: Filter<Document> = cursor ? { orgId: 'org1', _id: { $gt: cursor } } : { orgId: 'org1' };
      const page = await c.find(filter).sort({ _id: 1 }).limit(51).toArray();
      if (seen.length === 0) {
        const e = await explain(c, filter, { _id: 1 }, 51);
        expect(e.limitPushdown).toBe(true);
        expectIndexed(e, 'orgId_1__id_1', { sorted: true });
      }
      seen.push(...ids(page));
      if (page.length < 51) break;
      cursor = page.at(-1)?._id as string;
    }
    expect(seen).toEqual(expected);
    // skip + limit still right
    const skipped = await c.find({ orgId: 'org1' }).sort({ _id: 1 }).skip(100).limit(5).toArray();
    expect(ids(skipped)).toEqual(expected.slice(100, 105));
  });

  it('delete, update, count, findOneAndUpdate and aggregate $match use the pushed filter and miss nothing', async () => {
    const docs: Document[] = [];
    for (let i = 0; i < 300; i++) docs.push({ _id: `u${String(i).padStart(3, '0')}`, orgId: `org${i % 3}`, n: i });
    docs.push({ _id: 'arr', orgId: ['org0', 'org1'], n: -1 });
    const c = await fresh('pd_writes', [{ orgId: 1, _id: 1 }], docs);
    expect(await c.countDocuments({ orgId: 'org1' })).toBe(101);
    expect((await c.aggregate([{ $match: { orgId: 'org1' } }, { $count: 'n' }]).toArray())[0]?.n).toBe(101);
    expect((await c.updateMany({ orgId: 'org1', _id: { $gte: 'u100' } }, { $set: { hit: true } })).modifiedCount).toBe(
      67,
    );
    const first = await c.findOneAndUpdate({ orgId: 'org1' }, { $set: { first: true } }, { sort: { _id: 1 } });
    expect(first?._id).toBe('arr');
    expect((await c.deleteMany({ orgId: 'org0' })).deletedCount).toBe(101);
    expect(await c.countDocuments({})).toBe(200);
    expect((await c.deleteOne({ _id: 'u001' })).deletedCount).toBe(1);
    expect(await c.countDocuments({ hit: true })).toBe(67);
  });
});
