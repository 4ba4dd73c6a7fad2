import type { Collection, Document, IndexDescription } from 'mongodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Stores } from '../../src/stores/index.js';
import { openTestStores } from '../support/harness.js';

// createIndexes of indexes that already exist, as every process start does. MongoDB answers ok and creates only
// the missing ones; an index with the same name and another key (or another unique option) is an error, 85 or 86.
// FerretDB v1.24.2 panicked on a repeated call of more than one index (the connection closed), and dropped the
// wrong spec when only some existed: scripts/ferretdb-patches/0005-handler-createindexes-existing.patch.

let stores: Stores;
beforeAll(async () => {
  stores = await openTestStores();
});
afterAll(() => stores.close());

function database() {
  const db = stores.db.connection.db;
  if (!db) throw new Error('not connected');
  return db;
}

async function fresh(name: string): Promise<Collection> {
  const c = database().collection(name);
  await c.drop().catch(() => undefined);
  return c;
}

const names = async (c: Collection) => (await c.listIndexes().toArray()).map((i) => i.name as string).sort();
const keys = async (c: Collection) =>
  Object.fromEntries((await c.listIndexes().toArray()).map((i) => [i.name as string, i.key as Document]));

/** The connection still answers after the call (a panic in FerretDB closes it). */
async function stillServes(c: Collection) {
  await c.insertOne({ _id: `probe-${Date.now()}-${Math.random()}` as never, grantId: 'g' });
  expect(await c.findOne({ grantId: 'g' })).not.toBeNull();
}

const TOKEN_INDEXES: IndexDescription[] = [
  { key: { grantId: 1 } },
  { key: { expiresAt: 1 } },
  { key: { orgId: 1, _id: 1 } },
];

describe('FerretDB createIndexes of existing indexes', () => {
  it('answers ok when all the indexes of a call exist (twice the same three)', async () => {
    const c = await fresh('idx_repeat_three');
    expect(await c.createIndexes(TOKEN_INDEXES)).toEqual(['grantId_1', 'expiresAt_1', 'orgId_1__id_1']);
    await c.insertOne({ _id: 'a' as never, grantId: 'g0', orgId: 'o', expiresAt: new Date() });
    expect(await c.createIndexes(TOKEN_INDEXES)).toEqual(['grantId_1', 'expiresAt_1', 'orgId_1__id_1']);
    expect(await c.createIndexes(TOKEN_INDEXES)).toEqual(['grantId_1', 'expiresAt_1', 'orgId_1__id_1']);
    expect(await names(c)).toEqual(['_id_', 'expiresAt_1', 'grantId_1', 'orgId_1__id_1']);
    await stillServes(c);
  });

  it('answers ok for a single-field and a compound index created again, with MongoDB’s counts', async () => {
    const c = await fresh('idx_repeat_single');
    for (let i = 0; i < 2; i++) {
      expect(await c.createIndex({ grantId: 1 })).toBe('grantId_1');
      expect(await c.createIndex({ orgId: 1, _id: 1 })).toBe('orgId_1__id_1');
    }
    const again = await database().command({
      createIndexes: c.collectionName,
      indexes: [
        { key: { grantId: 1 }, name: 'grantId_1' },
        { key: { orgId: 1, _id: 1 }, name: 'orgId_1__id_1' },
      ],
    });
    expect(again).toMatchObject({ ok: 1, numIndexesBefore: 3, numIndexesAfter: 3 });
    expect(await names(c)).toEqual(['_id_', 'grantId_1', 'orgId_1__id_1']);
    await stillServes(c);
  });

  it('creates exactly the missing ones when some of a call exist, wherever they are in the list', async () => {
    for (const existing of [[0], [1], [2], [0, 1], [0, 2], [1, 2]]) {
      const c = await fresh(`idx_partial_${existing.join('')}`);
      await c.createIndexes(TOKEN_INDEXES.filter((_, i) => existing.includes(i)));
      const answer = await database().command({
        createIndexes: c.collectionName,
        indexes: TOKEN_INDEXES.map((spec) => ({
          key: spec.key,
          name: Object.entries(spec.key as Document)
            .map(([field, order]) => `${field}_${String(order)}`)
            .join('_'),
        })),
      });
      expect(answer).toMatchObject({ ok: 1, numIndexesBefore: 1 + existing.length, numIndexesAfter: 4 });
      expect(await keys(c)).toEqual({
        _id_: { _id: 1 },
        grantId_1: { grantId: 1 },
        expiresAt_1: { expiresAt: 1 },
        orgId_1__id_1: { orgId: 1, _id: 1 },
      });
      await stillServes(c);
    }
  });

  it('answers an error (85 or 86), not a closed connection, for an existing name with another key', async () => {
    const c = await fresh('idx_conflict');
    await c.createIndexes(TOKEN_INDEXES);
    const sameName = (await c
      .createIndexes([{ key: { grantId: 1 } }, { key: { orgId: 1 }, name: 'expiresAt_1' }])
      .catch((e: unknown) => e)) as { code?: number };
    expect([85, 86]).toContain(sameName.code);
    const compound = (await c
      .createIndex({ orgId: 1, expiresAt: 1 }, { name: 'orgId_1__id_1' })
      .catch((e: unknown) => e)) as { code?: number };
    expect([85, 86]).toContain(compound.code);
    // The same name with the same key but another unique option is not the existing index either.
    const unique = (await c.createIndex({ grantId: 1 }, { unique: true }).catch((e: unknown) => e)) as {
      code?: number;
    };
    expect([85, 86]).toContain(unique.code);
    // The same key under another name: MongoDB answers 85 (IndexOptionsConflict).
    const otherName = (await c.createIndex({ grantId: 1 }, { name: 'byGrant' }).catch((e: unknown) => e)) as {
      code?: number;
    };
    expect(otherName.code).toBe(85);
    expect(await keys(c)).toEqual({
      _id_: { _id: 1 },
      grantId_1: { grantId: 1 },
      expiresAt_1: { expiresAt: 1 },
      orgId_1__id_1: { orgId: 1, _id: 1 },
    });
    expect((await c.listIndexes().toArray()).find((i) => i.name === 'grantId_1')?.unique).toBeFalsy();
    await stillServes(c);
  });
});
