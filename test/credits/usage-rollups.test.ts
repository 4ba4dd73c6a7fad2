import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deleteLedger } from '../../src/credits/ledger.js';
import type { CreditEntryDoc } from '../../src/credits/model.js';
import { entryId } from '../../src/credits/model.js';
import { detailOf, type RollupGeometry } from '../../src/credits/rollups.js';
import { addCredits, debitCredits, getCredits, usageReport } from '../../src/credits/service.js';
import type { UsageRollupDoc } from '../../src/credits/store.js';
import { type Period, usageOfPeriod } from '../../src/credits/usage.js';
import type { Stores } from '../../src/stores/index.js';
import { createOrg, createUser } from '../support/factories.js';
import { eventually, openTestStores } from '../support/harness.js';

let stores: Stores;
beforeAll(async () => {
  stores = await openTestStores();
});
afterAll(() => stores?.close());

/** A small deterministic generator, so a failing period can be found again. */
function random(seed: number) {
  let state = seed;
  const next = () => {
    state = (state * 1_103_515_245 + 12_345) % 2 ** 31;
    return state / 2 ** 31;
  };
  return {
    next,
    int: (n: number) => Math.floor(next() * n),
    pick: <T>(items: T[]) => items[Math.floor(next() * items.length)] as T,
  };
}

const MEMBERS = ['usr_a', 'usr_b', 'usr_c'];
const KEYS = ['key_1', 'key_2', 'key_3', 'key_4'];
const TEAMS = ['team_x', 'team_y'];
const CLIENTS = ['https://app.example/client.json', 'cli_plain'];

/** The report computed the slow way: every entry of the log. */
async function usageFromLog(orgId: string, { from, to }: Period) {
  const entries = await stores.db.creditEntries.find({ orgId }).lean<CreditEntryDoc[]>();
  const debits = entries.filter((e) => e.kind === 'debit' && (!from || e.at >= from) && (!to || e.at < to));
  const sum = (field: 'userId' | 'keyId' | 'teamId' | 'clientId') => {
    const totals = new Map<string, number>();
    for (const d of debits) if (d[field]) totals.set(d[field], (totals.get(d[field]) ?? 0) - d.amount);
    return [...totals]
      .map(([id, amount]) => ({ id, amount }))
      .sort((a, b) => b.amount - a.amount || (a.id < b.id ? -1 : 1));
  };
  return {
    total: debits.reduce((t, d) => t - d.amount, 0),
    byMember: sum('userId'),
    byKey: sum('keyId'),
    byTeam: sum('teamId'),
    byClient: sum('clientId'),
  };
}

/** Random periods whose edges fall on, just before and just after entries' times, or are open. */
async function randomPeriods(orgId: string, seed: number, count: number): Promise<Period[]> {
  const times = (await stores.db.creditEntries.find({ orgId }, { at: 1 }).lean()).map((e) => e.at.getTime());
  const r = random(seed);
  const edge = () => (r.next() < 0.15 ? undefined : new Date(r.pick(times) + r.int(3) - 1));
  return Array.from({ length: count }, () => {
    const [a, b] = [edge(), edge()];
    return a && b && a > b ? { from: b, to: a } : { from: a, to: b };
  });
}

const rollupsOf = (orgId: string) =>
  stores.db.connection.collection<UsageRollupDoc>('credit_usage_rollups').find({ orgId }).toArray();

/** Geometries with deep trees at a few hundred entries (each has rollups of its own), and the one in use. */
const GEOMETRIES: RollupGeometry[] = [
  { leaf: 4, fanOut: 3 },
  { leaf: 2, fanOut: 2 },
  { leaf: 16, fanOut: 16 },
];

describe('the usage report', () => {
  it('equals the sum over the raw ledger for random periods, and rollups are written as leaves complete', {
    timeout: 120_000,
  }, async () => {
    const owner = await createUser(stores.db);
    const org = await createOrg(stores.db, owner._id, 'Metered Co');
    const system = { actor: { type: 'system', id: 'test' } as const };
    await addCredits(stores.db, org._id, { amount: 100_000, description: 'opening' }, system);
    const r = random(7);
    for (let i = 0; i < 130; i++) {
      if (i % 23 === 0) await addCredits(stores.db, org._id, { amount: 50, description: 'top-up' }, system);
      const byClient = r.next() < 0.3;
      await debitCredits(
        stores.db,
        org._id,
        { amount: 1 + r.int(20), description: 'call' },
        {
          ...system,
          idempotencyKey: `call-${i}`,
          attribution: byClient
            ? { clientId: r.pick(CLIENTS) }
            : { userId: r.pick(MEMBERS), keyId: r.pick(KEYS), teamId: r.next() < 0.5 ? r.pick(TEAMS) : undefined },
        },
      );
    }
    // 137 entries: the debit path wrote the leaves of 16 that are complete (behind its responses), before any report.
    await eventually(async () =>
      expect(
        (await rollupsOf(org._id)).map((rollup) => [rollup.firstSeq, rollup.lastSeq]).sort(([a = 0], [b = 0]) => a - b),
      ).toEqual([1, 2, 3, 4, 5, 6, 7, 8].map((k) => [16 * k - 15, 16 * k])),
    );

    expect(await usageReport(stores.db, org._id, {})).toEqual(await usageFromLog(org._id, {}));
    for (const period of await randomPeriods(org._id, 11, 40)) {
      const expected = await usageFromLog(org._id, period);
      expect(await usageReport(stores.db, org._id, period)).toEqual(expected);
      for (const geometry of GEOMETRIES)
        expect(await usageOfPeriod(stores.db, org._id, period, geometry)).toEqual(expected);
    }
  });

  it('is exact whatever the order of entry times, and reports building the same rollups at once agree', {
    timeout: 120_000,
  }, async () => {
    const orgId = 'org_rollupsOutOfOrder000';
    const r = random(3);
    const start = Date.UTC(2026, 0, 1);
    let balance = 0;
    const entries: CreditEntryDoc[] = Array.from({ length: 300 }, (_, i) => {
      const seq = i + 1;
      const debit = r.next() < 0.85;
      const amount = debit ? -(1 + r.int(9)) : 1 + r.int(50);
      balance += amount;
      const attributed = debit && r.next() < 0.9;
      return {
        _id: entryId(orgId, seq),
        orgId,
        seq,
        kind: debit ? 'debit' : 'credit',
        amount,
        balanceAfter: balance,
        description: 'raw',
        idempotencyKey: `raw-${seq}`,
        requestHash: 'h',
        // Mostly growing with seq, with clocks that disagree by up to a minute, and some far off.
        at: new Date(start + seq * 1_000 + (r.next() < 0.1 ? r.int(3_600_000) - 1_800_000 : r.int(60_000))),
        actorType: 'system',
        actorId: 'test',
        userId: attributed ? r.pick(MEMBERS) : null,
        keyId: attributed ? r.pick(KEYS) : null,
        teamId: attributed && r.next() < 0.4 ? r.pick(TEAMS) : null,
        clientId: debit && !attributed ? r.pick(CLIENTS) : null,
        grantId: null,
        resource: null,
        requestId: null,
      };
    });
    await stores.db.creditEntries.insertMany(entries);
    await stores.db.creditAccounts.create({ _id: orgId, seq: 300, balance, updatedAt: new Date() });
    expect(await rollupsOf(orgId)).toEqual([]);

    const periods = await randomPeriods(orgId, 5, 12);
    const expected = await Promise.all(periods.map((period) => usageFromLog(orgId, period)));
    // Several reports at once, each building the rollups it needs; the same rollup is built by several.
    const answers = await Promise.all(
      periods.flatMap((period) => GEOMETRIES.map((geometry) => usageOfPeriod(stores.db, orgId, period, geometry))),
    );
    expect(answers).toEqual(expected.flatMap((answer) => GEOMETRIES.map(() => answer)));

    // Every stored rollup holds exactly what its entries say.
    const stored = await rollupsOf(orgId);
    expect(stored.length).toBeGreaterThan(100);
    for (const rollup of stored) {
      const own = entries.filter((e) => e.seq >= rollup.firstSeq && e.seq <= rollup.lastSeq);
      expect(own).toHaveLength(rollup.lastSeq - rollup.firstSeq + 1);
      const debits = own.filter((e) => e.kind === 'debit');
      const times = debits.map((e) => e.at.getTime());
      expect([rollup.earliestAt?.getTime(), rollup.latestAt?.getTime()]).toEqual(
        times.length ? [Math.min(...times), Math.max(...times)] : [undefined, undefined],
      );
      expect(rollup.total).toBe(debits.reduce((t, e) => t - e.amount, 0));
      const sums = (['userId', 'keyId', 'teamId', 'clientId'] as const).map((field) => {
        const units = new Map<string, number>();
        for (const d of debits) if (d[field]) units.set(d[field], (units.get(d[field]) ?? 0) - d.amount);
        return [...units].sort(([a], [b]) => (a < b ? -1 : 1));
      });
      expect(detailOf(rollup).sums).toEqual(sums);
    }
  });

  it('leaves other organizations alone when one organization’s credits are deleted', async () => {
    const owner = await createUser(stores.db);
    const [kept, gone] = [await createOrg(stores.db, owner._id), await createOrg(stores.db, owner._id)];
    for (const org of [kept, gone]) {
      for (let i = 0; i < 17; i++) {
        await addCredits(
          stores.db,
          org._id,
          { amount: 1, description: 'x' },
          { actor: { type: 'system', id: 'test' }, idempotencyKey: `k-${i}` },
        );
      }
    }
    // Idempotency records as debits wrote them before replays were found through the ledger's own index.
    for (const org of [kept, gone]) {
      await stores.db.creditIdempotency.insertMany(
        Array.from({ length: 17 }, (_, i) => ({
          _id: `${org._id}:k-${i}`,
          orgId: org._id,
          entryId: `${org._id}:${i + 1}`,
          requestHash: 'h',
        })),
      );
    }
    // Reading the balance walks the log and caches the head in the organization's account.
    for (const org of [kept, gone]) expect(await getCredits(stores.db, org._id)).toMatchObject({ balance: 17 });
    const deleted = await deleteLedger(stores.db, gone._id);
    expect(deleted).toEqual({ rollups: 1, idempotencyKeys: 17, entries: 17 });
    expect(await stores.db.creditEntries.countDocuments({ orgId: gone._id })).toBe(0);
    expect(await stores.db.creditEntries.countDocuments({ orgId: kept._id })).toBe(17);
    expect(await rollupsOf(kept._id)).toHaveLength(1);
    expect(await stores.db.creditAccounts.countDocuments({ _id: gone._id })).toBe(0);
    expect(await stores.db.creditIdempotency.countDocuments({ orgId: kept._id })).toBe(17);
  });
});
