import { randomBytes } from 'node:crypto';
import type { CommandStartedEvent, CommandSucceededEvent } from 'mongodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AppendResult, appendEntry, type EntryDraft, type Head, readHead } from '../../src/credits/ledger.js';
import { rollupId, USAGE_GEOMETRY } from '../../src/credits/rollups.js';
import { addCredits, attributionFields, debitCredits } from '../../src/credits/service.js';
import { advanceAccounts } from '../../src/credits/store.js';
import { verifyLedgers } from '../../src/credits/verify.js';
import { ConflictError, InsufficientCreditsError } from '../../src/errors.js';
import type { Db } from '../../src/stores/db.js';
import type { Stores } from '../../src/stores/index.js';
import { createOrg, createUser } from '../support/factories.js';
import { eventually, openTestStores, testConfig } from '../support/harness.js';

// Two handles on one database: two ledger writers, as two server processes would have.
let stores: Stores;
let other: Stores;
beforeAll(async () => {
  const config = testConfig();
  stores = await openTestStores(config);
  other = await openTestStores(config);
});
afterAll(async () => {
  await stores?.close();
  await other?.close();
});

const newOrgId = () => `org_batch_${randomBytes(4).toString('hex')}`;

interface Change {
  build: (head: Head) => EntryDraft;
  key: string;
}

/** A change as the credits service asks for it: a debit is refused below zero. */
function change(kind: 'credit' | 'debit', amount: number, idempotencyKey: string): Change {
  const build = (head: Head): EntryDraft => {
    if (kind === 'debit' && head.balance < amount) {
      throw new InsufficientCreditsError(`the balance is ${head.balance}`);
    }
    return {
      kind,
      amount: kind === 'credit' ? amount : -amount,
      description: `${kind} ${amount}`,
      idempotencyKey,
      requestHash: `${kind}:${amount}`,
      actorType: 'system',
      actorId: 'test',
      ...attributionFields(),
    };
  };
  return { build, key: idempotencyKey };
}

const append = (db: Db, orgId: string, { build, key }: Change) => appendEntry(db, orgId, build, key);

type Settled = { ok: AppendResult } | { refused: unknown };
const settle = (promise: Promise<AppendResult>): Promise<Settled> =>
  promise.then(
    (ok) => ({ ok }),
    (refused: unknown) => ({ refused }),
  );

/**
 * The inserts into the ledger a handle sends while `work` runs: how many entries each carried and how
 * many of them the database took (the suite's stores monitor commands for the query-shape check).
 */
async function ledgerInserts(db: Db, work: () => Promise<void>) {
  const client = db.connection.getClient();
  const sent = new Map<number, number>();
  const inserts: Array<{ entries: number; taken: number }> = [];
  const started = (event: CommandStartedEvent) => {
    if (event.commandName === 'insert' && event.command.insert === 'credit_entries')
      sent.set(event.requestId, (event.command.documents as unknown[]).length);
  };
  const succeeded = (event: CommandSucceededEvent) => {
    const entries = sent.get(event.requestId);
    if (entries !== undefined) inserts.push({ entries, taken: Number((event.reply as { n?: number }).n ?? 0) });
  };
  client.on('commandStarted', started);
  client.on('commandSucceeded', succeeded);
  try {
    await work();
  } finally {
    client.off('commandStarted', started);
    client.off('commandSucceeded', succeeded);
  }
  return inserts;
}

/**
 * Starts the changes in one tick once the writer is idle: the first is written alone, the others wait
 * for it and go together.
 */
async function together(db: Db, orgId: string, changes: Change[]) {
  await new Promise((resolve) => setImmediate(resolve));
  return Promise.all(changes.map((c) => settle(append(db, orgId, c))));
}

describe('debits grouped into one insert', () => {
  it('refuses one change of a group for lack of credits while those before and after it succeed, in order', async () => {
    const orgId = newOrgId();
    let results: Settled[] = [];
    const inserts = await ledgerInserts(stores.db, async () => {
      results = await together(stores.db, orgId, [
        change('credit', 10, 'open'),
        change('debit', 4, 'a'),
        change('debit', 4, 'b'),
        change('debit', 5, 'c'),
        change('debit', 2, 'd'),
        change('debit', 1, 'e'),
      ]);
    });
    expect(inserts).toEqual([
      { entries: 1, taken: 1 },
      { entries: 3, taken: 3 },
    ]);
    const [, a, b, c, d, e] = results;
    expect(a).toMatchObject({ ok: { entry: { seq: 2, balanceAfter: 6 }, replayed: false } });
    expect(b).toMatchObject({ ok: { entry: { seq: 3, balanceAfter: 2 }, replayed: false } });
    expect(c && 'refused' in c && c.refused).toBeInstanceOf(InsufficientCreditsError);
    expect(d).toMatchObject({ ok: { entry: { seq: 4, balanceAfter: 0 }, replayed: false } });
    expect(e && 'refused' in e && e.refused).toBeInstanceOf(InsufficientCreditsError);
    expect(await readHead(stores.db, orgId)).toMatchObject({ seq: 4, balance: 0 });
  });

  it('answers a key repeated within one group with the entry of its first use, charging once', async () => {
    const orgId = newOrgId();
    const results = await together(stores.db, orgId, [
      change('credit', 10, 'open'),
      change('debit', 3, 'same'),
      change('debit', 3, 'same'),
      change('debit', 1, 'other'),
    ]);
    const [, first, again, last] = results.map((r) => ('ok' in r ? r.ok : undefined));
    expect(first).toMatchObject({ entry: { seq: 2, balanceAfter: 7 }, replayed: false });
    expect(again).toMatchObject({ entry: { _id: first?.entry._id }, replayed: true });
    expect(last).toMatchObject({ entry: { seq: 3, balanceAfter: 6 }, replayed: false });
  });

  it('stops a group at an entry whose key was charged before: those before it stay, it replays, the rest follow', async () => {
    const orgId = newOrgId();
    await append(stores.db, orgId, change('credit', 10, 'open'));
    const charged = await append(stores.db, orgId, change('debit', 2, 'charged'));
    let results: Settled[] = [];
    const inserts = await ledgerInserts(stores.db, async () => {
      results = await together(stores.db, orgId, [
        change('debit', 1, 'first'),
        change('debit', 1, 'before'),
        change('debit', 2, 'charged'),
        change('debit', 1, 'after'),
      ]);
    });
    // The group of three stops at the repeated key; the entry after it goes in the next insert.
    expect(inserts).toEqual([
      { entries: 1, taken: 1 },
      { entries: 3, taken: 1 },
      { entries: 1, taken: 1 },
    ]);
    const [first, before, repeated, after] = results.map((r) => ('ok' in r ? r.ok : undefined));
    expect(first).toMatchObject({ entry: { seq: 3, balanceAfter: 7 }, replayed: false });
    expect(before).toMatchObject({ entry: { seq: 4, balanceAfter: 6 }, replayed: false });
    expect(repeated).toEqual({ entry: charged.entry, replayed: true });
    expect(after).toMatchObject({ entry: { seq: 5, balanceAfter: 5 }, replayed: false });
  });

  it('answers a replay with the entry its key charged even when the balance no longer covers it', async () => {
    const orgId = newOrgId();
    await append(stores.db, orgId, change('credit', 5, 'open'));
    const charged = await append(stores.db, orgId, change('debit', 5, 'all-of-it'));
    // Alone, and in a group where it is refused on the running head next to a change that fits.
    expect(await append(stores.db, orgId, change('debit', 5, 'all-of-it'))).toEqual({
      entry: charged.entry,
      replayed: true,
    });
    const [, replay, fresh] = await together(stores.db, orgId, [
      change('credit', 1, 'top-up'),
      change('debit', 5, 'all-of-it'),
      change('debit', 5, 'too-much'),
    ]);
    expect(replay).toEqual({ ok: { entry: charged.entry, replayed: true } });
    expect(fresh && 'refused' in fresh && fresh.refused).toBeInstanceOf(InsufficientCreditsError);
    expect(await readHead(stores.db, orgId)).toMatchObject({ seq: 3, balance: 1 });
  });

  it('charges a key once when the same debit arrives twice at once, and refuses a different request with it', async () => {
    const person = await createUser(stores.db);
    const org = await createOrg(stores.db, person._id, 'Twice Co');
    const actor = { type: 'system' as const, id: 't' };
    await addCredits(stores.db, org._id, { amount: 10, description: 'opening' }, { actor });
    const debit = (amount: number, key: string) =>
      debitCredits(stores.db, org._id, { amount, description: 'twice' }, { actor, idempotencyKey: key }).then(
        (result) => result,
        (error: unknown) => error,
      );
    const [first, second, other] = await Promise.all([debit(3, 'dup'), debit(3, 'dup'), debit(4, 'dup')]);
    expect(first).toMatchObject({ replayed: false, entry: { balanceAfter: 7 } });
    expect(second).toMatchObject({ replayed: true, entry: { id: (first as { entry: { id: string } }).entry.id } });
    expect(other).toBeInstanceOf(ConflictError);
    expect(await stores.db.creditEntries.countDocuments({ orgId: org._id })).toBe(2);
  });

  it('writes every rollup leaf, then moves the cached head, when a group crosses multiples of 16', async () => {
    const orgId = newOrgId();
    const { leaf } = USAGE_GEOMETRY;
    const results = await together(stores.db, orgId, [
      change('credit', 1_000, 'open'),
      ...Array.from({ length: 3 * leaf + 5 }, (_, i) => change('debit', 1, `d-${i}`)),
    ]);
    expect(results.every((r) => 'ok' in r)).toBe(true);
    const leaves = [1, 2, 3].map((n) =>
      rollupId(orgId, { firstSeq: (n - 1) * leaf + 1, lastSeq: n * leaf, level: 0 }, USAGE_GEOMETRY),
    );
    // Written behind the responses, within CACHES_EVERY_MS: the rollups, then the head at the last leaf.
    await eventually(async () => {
      const account = await stores.db.connection.collection('credit_accounts').findOne({ _id: orgId as never });
      expect(account).toMatchObject({ seq: 3 * leaf, balance: 1_000 - 3 * leaf + 1 });
    });
    const rollups = await stores.db.connection.collection('credit_usage_rollups').find({ orgId }).toArray();
    expect(rollups.map((r) => r._id).sort()).toEqual(leaves.sort());
    expect(rollups.map((r) => r.total).sort()).toEqual([leaf - 1, leaf, leaf]);
  });
});

describe('cached heads written behind', () => {
  it('moves the heads of 150 organizations at once (FerretDB never answers an update of 100 statements)', async () => {
    const orgIds = Array.from({ length: 150 }, newOrgId);
    await advanceAccounts(
      stores.db,
      orgIds.map((orgId) => ({ orgId, seq: 1, balance: 1 })),
    );
    await advanceAccounts(
      stores.db,
      orgIds.map((orgId) => ({ orgId, seq: 16, balance: 5 })),
    );
    const accounts = await stores.db.creditAccounts.find({ _id: { $in: orgIds } }).lean();
    expect(accounts.map((a) => [a.seq, a.balance])).toEqual(orgIds.map(() => [16, 5]));
  });
});

describe('1,000 debits at once through one writer', () => {
  it('charges exactly as many as the balance covers, each once, and refuses the rest', {
    timeout: 120_000,
  }, async () => {
    const person = await createUser(stores.db);
    const org = await createOrg(stores.db, person._id, 'Crowded Co');
    await addCredits(
      stores.db,
      org._id,
      { amount: 500, description: 'opening' },
      { actor: { type: 'system', id: 't' } },
    );
    const results = await Promise.all(
      Array.from({ length: 1_000 }, (_, i) =>
        debitCredits(
          stores.db,
          org._id,
          { amount: 1, description: 'crowd' },
          { actor: { type: 'system', id: 't' }, idempotencyKey: `crowd-${i}` },
        ).then(
          (result) => result.entry.balanceAfter,
          (error: unknown) => error,
        ),
      ),
    );
    const balances = results.filter((r): r is number => typeof r === 'number');
    expect(balances.sort((a, b) => a - b)).toEqual(Array.from({ length: 500 }, (_, i) => i));
    expect(results.filter((r) => r instanceof InsufficientCreditsError)).toHaveLength(500);
    const [report] = (await verifyLedgers(stores.db, { orgId: org._id })).reports;
    expect(report).toMatchObject({ balance: 0, entries: 501, chainErrors: [] });
  });
});

describe('two ledger writers on one organization', () => {
  it('refuses on a remembered head only after reading it again', async () => {
    const orgId = newOrgId();
    await append(stores.db, orgId, change('credit', 2, 'open'));
    await append(stores.db, orgId, change('debit', 2, 'spend'));
    // The other writer credits; this one still remembers a balance of 0.
    await append(other.db, orgId, change('credit', 5, 'top-up'));
    const debit = await append(stores.db, orgId, change('debit', 3, 'after-top-up'));
    expect(debit.entry).toMatchObject({ seq: 4, balanceAfter: 2 });
  });

  it('retries the entries of other organizations that an insert stopped before, and the clashing one on a fresh head', async () => {
    const [x, y] = [newOrgId(), newOrgId()];
    await append(stores.db, x, change('credit', 10, 'open-x'));
    await append(other.db, x, change('debit', 1, 'moved-by-other'));
    let results: Settled[] = [];
    const inserts = await ledgerInserts(stores.db, async () => {
      const blocker = settle(append(stores.db, y, change('credit', 10, 'open-y')));
      results = await Promise.all([
        blocker,
        settle(append(stores.db, x, change('debit', 1, 'x-1'))),
        settle(append(stores.db, y, change('debit', 1, 'y-1'))),
        settle(append(stores.db, y, change('debit', 1, 'y-2'))),
      ]);
    });
    // x's stale head fails the first entry of the group, so y's entries after it wait for the next insert.
    expect(inserts.slice(1)).toEqual([
      { entries: 3, taken: 0 },
      { entries: 3, taken: 3 },
    ]);
    expect(results.map((r) => ('ok' in r ? [r.ok.entry.orgId, r.ok.entry.seq, r.ok.entry.balanceAfter] : r))).toEqual([
      [y, 1, 10],
      [x, 3, 8],
      [y, 2, 9],
      [y, 3, 8],
    ]);
  });

  it('race on one organization: exactly N debits succeed on a balance of N, each key charged once, the chain whole', {
    timeout: 120_000,
  }, async () => {
    const person = await createUser(stores.db);
    const org = await createOrg(stores.db, person._id, 'Racing Co');
    await addCredits(
      stores.db,
      org._id,
      { amount: 302, description: 'opening' },
      { actor: { type: 'system', id: 't' } },
    );
    // The second writer remembers a head that the first then moves on: its first insert must clash.
    for (const db of [other.db, stores.db]) {
      await debitCredits(
        db,
        org._id,
        { amount: 1, description: 'warm' },
        { actor: { type: 'system', id: 't' }, idempotencyKey: `warm-${db === other.db}` },
      );
    }
    const debit = (db: Db, i: number) =>
      debitCredits(
        db,
        org._id,
        { amount: 1, description: 'race' },
        // Every key is sent through both writers.
        { actor: { type: 'system', id: 't' }, idempotencyKey: `race-${i % 400}` },
      ).then(
        (result) => ({ key: `race-${i % 400}`, id: result.entry.id, replayed: result.replayed }),
        (error: unknown) => ({ key: `race-${i % 400}`, error }),
      );
    let clashes = 0;
    const onReply = (event: CommandSucceededEvent) => {
      const reply = event.reply as { writeErrors?: unknown[] };
      if (event.commandName === 'insert' && reply.writeErrors?.length) clashes += 1;
    };
    for (const handle of [stores, other]) handle.db.connection.getClient().on('commandSucceeded', onReply);
    const results = await Promise.all(Array.from({ length: 800 }, (_, i) => debit(i < 400 ? stores.db : other.db, i)));
    for (const handle of [stores, other]) handle.db.connection.getClient().off('commandSucceeded', onReply);

    const charged = new Map<string, string>();
    for (const result of results) {
      if ('error' in result) {
        expect(result.error).toBeInstanceOf(InsufficientCreditsError);
        continue;
      }
      // Both copies of a key answer with the one entry it charged.
      expect(charged.get(result.key) ?? result.id).toBe(result.id);
      charged.set(result.key, result.id);
    }
    expect(charged.size).toBe(300);
    expect(await stores.db.creditEntries.countDocuments({ orgId: org._id, kind: 'debit' })).toBe(302);
    expect(clashes).toBeGreaterThan(0);
    const [report] = (await verifyLedgers(stores.db, { orgId: org._id })).reports;
    expect(report).toMatchObject({ balance: 0, entries: 303, chainErrors: [] });
  });
});
