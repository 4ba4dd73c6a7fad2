import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CreditEntryDoc, entryId } from '../../src/credits/model.js';
import { attributionFields } from '../../src/credits/service.js';
import { verifyLedgers } from '../../src/credits/verify.js';
import type { Stores } from '../../src/stores/index.js';
import { openTestStores } from '../support/harness.js';

let stores: Stores;
beforeAll(async () => {
  stores = await openTestStores();
});
afterAll(() => stores?.close());

/** A consistent log of `count` credits of 1, written raw, with no cached account (as before its first cache). */
function ledger(orgId: string, count: number): CreditEntryDoc[] {
  return Array.from({ length: count }, (_, i) => ({
    _id: entryId(orgId, i + 1),
    orgId,
    seq: i + 1,
    kind: 'credit',
    amount: 1,
    balanceAfter: i + 1,
    description: 'raw',
    idempotencyKey: `raw-${i + 1}`,
    requestHash: 'h',
    at: new Date(),
    actorType: 'system',
    actorId: 'test',
    ...attributionFields(),
  }));
}

describe('credits verify over every organization', () => {
  it('finds each organization with a log, its account cached or not, and repairs the missing ones', async () => {
    // Ids that are prefixes of one another, so one organization's entries sort between another's neighbours.
    const sizes: Record<string, number> = { org_pfx: 3, 'org_pfx-b': 2, org_pfxb: 1_005, org_pfx0: 4 };
    for (const [orgId, count] of Object.entries(sizes)) await stores.db.creditEntries.insertMany(ledger(orgId, count));

    const found = await verifyLedgers(stores.db);
    expect(found.reports.map((r) => [r.orgId, r.entries, r.balance, r.cacheBehind])).toEqual(
      Object.entries(sizes)
        .sort(([a], [b]) => (`${a}:` < `${b}:` ? -1 : 1))
        .map(([orgId, count]) => [orgId, count, count, true]),
    );
    expect(found.reports.every((r) => r.chainErrors.length === 0)).toBe(true);
    // Caches behind their logs are expected (brought forward every few entries): reported, not differences.
    expect(found).toMatchObject({ differences: 0, cachesBehind: 4 });

    expect(await verifyLedgers(stores.db, { repair: true })).toMatchObject({ organizations: 4, repaired: 4 });
    expect(await verifyLedgers(stores.db)).toMatchObject({ organizations: 4, differences: 0 });
    expect(await stores.db.creditAccounts.findById('org_pfxb').lean()).toMatchObject({ seq: 1_005, balance: 1_005 });
  });
});
