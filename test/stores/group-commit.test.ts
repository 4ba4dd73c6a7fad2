import { describe, expect, it } from 'vitest';
import { recordIssuedToken } from '../../src/oidc/token-records.js';
import { groupCommit } from '../../src/stores/group-commit.js';
import { flushWritesBehind, writeBehind } from '../../src/stores/write-behind.js';
import { openTestStores } from '../support/harness.js';

const later = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('group commit', () => {
  it('writes the items of one turn together, and items that arrive during a write together in the next one', async () => {
    const writes: number[][] = [];
    const write = groupCommit<number>(async (items) => {
      writes.push(items);
      await later(20);
    });
    await write(0);
    expect(writes).toEqual([[0]]);
    await Promise.all(Array.from({ length: 5 }, (_, i) => write(i + 1)));
    expect(writes).toEqual([[0], [1, 2, 3, 4, 5]]);
    const first = write(6);
    await later(5);
    await Promise.all([first, ...Array.from({ length: 49 }, (_, i) => write(i + 7))]);
    expect(writes.slice(2)).toEqual([[6], Array.from({ length: 49 }, (_, i) => i + 7)]);
  });

  it('fails exactly the callers whose write failed', async () => {
    let calls = 0;
    const write = groupCommit<string>(async () => {
      calls++;
      await later(10);
      if (calls === 2) throw new Error('store away');
    });
    const first = write('a');
    await later(2);
    const results = await Promise.allSettled([first, write('b'), write('c')]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'rejected']);
    await expect(write('d')).resolves.toBeUndefined();
  });

  it('fails only the items a write reports as failed', async () => {
    const write = groupCommit<string>(async (items) =>
      items.map((item) => (item === 'bad' ? new Error(item) : undefined)),
    );
    const results = await Promise.allSettled(['a', 'bad', 'c'].map((item) => write(item)));
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
  });

  it('adds changes up behind the requests, writes them once, and keeps them when a write fails', async () => {
    const stores = await openTestStores();
    try {
      const writes: Array<Map<string, number>> = [];
      let failNext = true;
      const behind = writeBehind<number>(
        stores.db,
        (a, b) => a + b,
        async (changes) => {
          if (failNext) {
            failNext = false;
            throw new Error('store away');
          }
          writes.push(changes);
        },
        60_000,
      );
      for (let i = 0; i < 5; i++) behind.add('x', 1);
      behind.add('y', 2);
      await flushWritesBehind(stores.db);
      expect(writes).toEqual([]);
      behind.add('x', 10);
      await flushWritesBehind(stores.db);
      expect(writes).toEqual([
        new Map([
          ['x', 15],
          ['y', 2],
        ]),
      ]);
    } finally {
      await stores.close();
    }
  });

  it('records every issued token of concurrent requests in MongoDB', async () => {
    const stores = await openTestStores();
    try {
      const tokens = Array.from({ length: 40 }, (_, i) => ({
        jti: `jti-${i}`,
        kind: 'ClientCredentials',
        clientId: 'c1',
      }));
      await Promise.all(tokens.map((t) => recordIssuedToken(stores.db, t, { org_id: 'org_group' })));
      await recordIssuedToken(stores.db, tokens[0] ?? {}, { org_id: 'org_group' });
      expect(await stores.db.connection.collection('issued_tokens').countDocuments({ orgId: 'org_group' })).toBe(40);
      // Counters are written behind (at most a second later, or now when flushed at shutdown).
      await flushWritesBehind(stores.db);
      const counted = await stores.db.connection.collection('token_issuance').findOne({ orgId: 'org_group' });
      expect(counted?.count).toBe(41);
    } finally {
      await stores.close();
    }
  });
});
