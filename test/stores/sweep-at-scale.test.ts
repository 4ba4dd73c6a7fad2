import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Stores } from '../../src/stores/index.js';
import { sweepExpiredAcrossOrganizations } from '../../src/stores/sweep.js';
import { openTestStores } from '../support/harness.js';

let stores: Stores;
beforeAll(async () => {
  stores = await openTestStores();
});
afterAll(() => stores.close());

describe('the expired-record sweep', () => {
  it('removes more expired records than SQLite allows in one statement, and nothing live', {
    timeout: 120_000,
  }, async () => {
    const tokens = stores.db.connection.collection<{ _id: string; payload: string; expiresAt: Date }>(
      'oidc_AccessToken',
    );
    const past = new Date(Date.now() - 60_000);
    const future = new Date(Date.now() + 3_600_000);
    // FerretDB deletes the matches of one deleteMany with a SQL variable each; SQLite allows 32,766.
    const expired = 40_000;
    for (let start = 0; start < expired; start += 5_000) {
      await tokens.insertMany(
        Array.from({ length: 5_000 }, (_, i) => ({ _id: `expired-${start + i}`, payload: '{}', expiresAt: past })),
      );
    }
    await tokens.insertMany(
      Array.from({ length: 10 }, (_, i) => ({ _id: `live-${i}`, payload: '{}', expiresAt: future })),
    );

    expect(await sweepExpiredAcrossOrganizations(stores.db)).toBe(expired);
    expect(await tokens.countDocuments({})).toBe(10);
  });
});
