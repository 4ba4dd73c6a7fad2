import { describe, expect, it } from 'vitest';
import { recordIssuedToken } from '../../src/oidc/token-records.js';
import { groupCommit } from '../../src/stores/group-commit.js';
import { openTestStores } from '../support/harness.js';

describe('group commit', () => {
  it('writes a lone item at once, and items that arrive during a write together in the next one', async () => {
    const writes: number[][] = [];
    const write = groupCommit<number>(async (items) => {
      writes.push(items);
      await new Promise((r) => setTimeout(r, 20));
    });
    await write(0);
    expect(writes).toEqual([[0]]);
    await Promise.all(Array.from({ length: 50 }, (_, i) => write(i + 1)));
    expect(writes.length).toBe(3);
    expect(writes[1]).toEqual([1]);
    expect(writes[2]).toHaveLength(49);
  });

  it('fails exactly the callers whose write failed', async () => {
    let calls = 0;
    const write = groupCommit<string>(async () => {
      calls++;
      if (calls === 2) throw new Error('store away');
      await new Promise((r) => setTimeout(r, 10));
    });
    const results = await Promise.allSettled(['a', 'b', 'c'].map((item) => write(item)));
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'rejected']);
    await expect(write('d')).resolves.toBeUndefined();
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
      const counted = await stores.db.connection.collection('token_issuance').findOne({ orgId: 'org_group' });
      expect(counted?.count).toBe(41);
    } finally {
      await stores.close();
    }
  });
});
