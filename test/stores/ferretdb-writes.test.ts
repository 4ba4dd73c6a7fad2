import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MongoClient } from 'mongodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFerretDb } from '../../src/stores/local/ferretdb.js';
import { repoRoot } from '../../src/stores/local/index.js';
import { eventually } from '../support/harness.js';

// The embedded FerretDB queues concurrent writers itself (scripts/ferretdb-patches/0010-sqlite-writers-queue.patch)
// instead of leaving them to SQLite's busy handler, which sleeps between tries. Started with that handler off
// (busy_timeout 0), a write that found another one under way would fail with "database is locked": here every
// concurrent write of many connections must land.

const dataDir = mkdtempSync(join(tmpdir(), 'orgauth-writes-'));
let ferret: Awaited<ReturnType<typeof startFerretDb>>;
let client: MongoClient;

beforeAll(async () => {
  ferret = await startFerretDb({ root: repoRoot, dataDir, sqlitePragmas: ['busy_timeout(0)'] });
  client = await MongoClient.connect(`${ferret.uri}writes`, { maxPoolSize: 16 });
});

afterAll(async () => {
  await client?.close();
  await ferret?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

interface Counter {
  _id: string;
  n: number;
  tag?: string;
}

describe('concurrent writes on the embedded FerretDB', () => {
  it('inserts, updates and deletes from many connections at once all land', async () => {
    const counters = client.db('writes').collection<Counter>('counters');
    await counters.createIndex({ tag: 1 });
    const inserted = await Promise.allSettled(
      Array.from({ length: 200 }, (_, i) =>
        i % 2
          ? counters.insertOne({ _id: `c${i}`, n: 0, tag: `t${i % 7}` })
          : counters.insertMany([
              { _id: `c${i}`, n: 0, tag: `t${i % 7}` },
              { _id: `d${i}`, n: 0 },
            ]),
      ),
    );
    expect(inserted.filter((r) => r.status === 'rejected')).toEqual([]);
    expect(await counters.countDocuments()).toBe(300);

    // One update per document: FerretDB's updates read the document before they write it, so two concurrent
    // updates of one document can lose one (shared/notes/ferretdb.md); what is checked here is that none fails.
    const written = await Promise.allSettled([
      ...Array.from({ length: 100 }, (_, i) => counters.updateOne({ _id: `c${i}` }, { $inc: { n: i + 1 } })),
      ...Array.from({ length: 100 }, (_, i) => counters.deleteOne({ _id: `d${2 * i}` })),
    ]);
    expect(written.filter((r) => r.status === 'rejected')).toEqual([]);
    const updated = await counters.find({ n: { $gt: 0 } }, { sort: { n: 1 } }).toArray();
    expect(updated.map((c) => [c._id, c.n])).toEqual(Array.from({ length: 100 }, (_, i) => [`c${i}`, i + 1]));
    expect(await counters.countDocuments()).toBe(200);
  });

  it('checkpoints in the background: what is written reaches the database file, not only the WAL', async () => {
    // Automatic checkpoints are off (src/stores/local/ferretdb.ts) and 600 KB is far below their 4 MB threshold
    // anyway: only the background checkpoint of patch 0011 moves these pages out of the WAL.
    const pages = client.db('writes').collection<{ _id: number; text: string }>('pages');
    await pages.insertMany(Array.from({ length: 600 }, (_, i) => ({ _id: i, text: 'x'.repeat(1000) })));
    await eventually(async () => expect(statSync(join(dataDir, 'writes.sqlite')).size).toBeGreaterThan(600_000), {
      timeoutMs: 5000,
    });
  });
});
