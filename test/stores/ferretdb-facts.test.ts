import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isDuplicateKeyError } from '../../src/stores/db.js';
import type { Stores } from '../../src/stores/index.js';
import { openTestStores } from '../support/harness.js';

// The facts about FerretDB 1.24 that the storage design rests on (../shared/notes/ferretdb.md),
// checked against the real database so a change of version or backend shows up here.
let stores: Stores;
beforeAll(async () => {
  stores = await openTestStores();
});
afterAll(() => stores.close());

const collection = (name: string) => {
  const db = stores.db.connection.db;
  if (!db) throw new Error('not connected');
  return db.collection(name);
};

describe('FerretDB facts the design rests on', () => {
  it('enforces unique indexes, reported as duplicate-key errors', async () => {
    const c = collection('facts_unique');
    await c.createIndex({ k: 1 }, { unique: true });
    await c.insertOne({ _id: 'a' as never, k: 1 });
    const error = await c.insertOne({ _id: 'b' as never, k: 1 }).catch((e: unknown) => e);
    expect(isDuplicateKeyError(error)).toBe(true);
    const sameId = await c.insertOne({ _id: 'a' as never, k: 2 }).catch((e: unknown) => e);
    expect(isDuplicateKeyError(sameId)).toBe(true);
  });

  it('rejects TTL indexes with code 238', async () => {
    const error = (await collection('facts_ttl')
      .createIndex({ at: 1 }, { expireAfterSeconds: 60 })
      .catch((e: unknown) => e)) as { code?: number };
    expect(error.code).toBe(238);
  });

  it('rejects document keys containing a dot', async () => {
    const error = await collection('facts_dots')
      .insertOne({ _id: 'x' as never, payload: { 'https://example.com': 1 } })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Error);
  });
});
