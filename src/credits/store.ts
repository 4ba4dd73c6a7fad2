import { type AnyBulkWriteOperation, MongoBulkWriteError } from 'mongodb';
import { BATCH_DELETE, declareCollection, openCollection } from '../stores/collections.js';
import { type Db, isDuplicateKeyError } from '../stores/db.js';
import { deleteInBatches } from '../stores/delete-in-batches.js';
import { type Page, type PageQuery, pageById } from '../stores/pagination.js';
import { type CreditAccountDoc, type CreditEntryDoc, entryId } from './model.js';

/** The append-only ledger, `_id` = `${orgId}:${seq}` (seq zero-padded). */
export const creditEntriesCollection = declareCollection({
  name: 'credit_entries',
  indexes: [{ key: { orgId: 1, idempotencyKey: 1 }, unique: true }, { key: { orgId: 1, _id: -1 } }],
  queries: [
    '{_id, orgId}',
    '{orgId, kind?, userId?, keyId?, teamId?, clientId?, at: range?, _id: range?} sort {_id: -1}',
    '{orgId, _id: range}',
    '{orgId, _id: range} sort {_id: 1}',
    '{orgId, idempotencyKey}',
    '{orgId, idempotencyKey: in}',
    // deleteInBatches: finds by organization, then deletes the ids found.
    '{orgId}',
  ],
  unscopedQueries: [
    BATCH_DELETE,
    // `orgauth credits verify` finds each organization with a ledger by one seek past the previous one.
    '{_id: range?} sort {_id: 1}',
  ],
  // The whole ledger of an organization on one shard: its unique (orgId, idempotencyKey) index and its
  // `${orgId}:${seq}` ids decide every race there.
  shardKey: { orgId: 1 },
  hot: ['{_id, orgId}'],
});

export const creditAccountsCollection = declareCollection({
  name: 'credit_accounts',
  indexes: [],
  queries: [],
  // `_id` is the organization's id.
  unscopedQueries: ['{_id}', '{_id, seq: range}'],
  shardKey: { _id: 1 },
  hot: ['{_id}'],
});

/**
 * Idempotency keys charged before replays were found through the ledger's own unique (orgId,
 * idempotencyKey) index, `_id` = `${orgId}:${key}`: no longer written or read on the debit path, kept
 * so that an organization's credits are deleted whole.
 */
export const creditIdempotencyCollection = declareCollection({
  name: 'credit_idempotency',
  indexes: [],
  queries: ['{_id, orgId}', '{orgId, _id: range}', '{orgId, _id: in}'],
  unscopedQueries: [BATCH_DELETE],
  shardKey: { _id: 1 },
});

/**
 * Debits summed over a fixed run of ledger entries (rollups.ts), `_id` =
 * `${orgId}:${geometry}:${firstSeq}:${lastSeq}`. The ledger is append-only, so a rollup of a complete
 * run never changes: it is written once by a unique insert, and a second writer computes the same
 * document.
 */
export const creditUsageRollupsCollection = declareCollection({
  name: 'credit_usage_rollups',
  indexes: [],
  queries: ['{orgId, _id: in}', '{orgId, _id: range}'],
  unscopedQueries: [BATCH_DELETE],
  shardKey: { _id: 1 },
});

export interface UsageRollupDoc {
  _id: string;
  orgId: string;
  firstSeq: number;
  lastSeq: number;
  /** The earliest and latest `at` of the run's debits; null when the run has none. */
  earliestAt: Date | null;
  latestAt: Date | null;
  /** Units debited in the run. */
  total: number;
  /**
   * The sums per member, key, team and client, and what a report needs to open the run, as JSON
   * (rollups.ts): FerretDB returns a document holding one string about ten times faster than the same
   * data as arrays of sub-documents (measured: 32 rollups by `_id` in 11 ms against 110 ms).
   */
  detail: string;
}

interface IdempotencyDoc {
  _id: string;
  orgId: string;
  entryId: string;
  requestHash: string;
}

const entries = (db: Db) => openCollection<CreditEntryDoc>(db, creditEntriesCollection);
const accounts = (db: Db) => openCollection<CreditAccountDoc>(db, creditAccountsCollection);
const idempotency = (db: Db) => openCollection<IdempotencyDoc>(db, creditIdempotencyCollection);
const rollups = (db: Db) => openCollection<UsageRollupDoc>(db, creditUsageRollupsCollection);

/** Every `_id` of the organization in the collections whose `_id` starts with `${orgId}:`. */
const idsOfOrganization = (orgId: string) => ({ $gte: `${orgId}:`, $lt: `${orgId};` });
/** Entries after `afterSeq`, up to `throughSeq` when given. */
const seqRange = (orgId: string, afterSeq: number, throughSeq?: number) => ({
  $gt: entryId(orgId, afterSeq),
  ...(throughSeq === undefined ? {} : { $lte: entryId(orgId, throughSeq) }),
});
/** FerretDB's SQLite backend takes one SQL variable per listed value; keep each `$in` far below its limit. */
const IN_BATCH = 500;
const ignoreDuplicate = (error: unknown) => {
  if (!isDuplicateKeyError(error)) throw error;
};

// --- The ledger ---

/**
 * Inserts consecutive entries in order, stopping at the first that fails. Returns how many were
 * inserted, and the failure that stopped the rest: a duplicate-key error names a taken `_id` (the
 * sequence number) or idempotency key. Throws when it cannot tell how many were inserted.
 */
export async function insertEntries(
  db: Db,
  docs: CreditEntryDoc[],
): Promise<{ inserted: number; failure?: { error: unknown } }> {
  if (docs.length === 0) return { inserted: 0 };
  try {
    await entries(db).insertMany(docs, { ordered: true });
    return { inserted: docs.length };
  } catch (error) {
    const first = error instanceof MongoBulkWriteError ? [error.writeErrors].flat()[0] : undefined;
    if (!first) throw error;
    return { inserted: first.index, failure: { error: first } };
  }
}

export function findEntry(db: Db, orgId: string, id: string): Promise<CreditEntryDoc | null> {
  return entries(db).findOne({ _id: id, orgId });
}

/** Entry `seq`'s place in the chain, for walking to the head. */
export function findEntryLink(db: Db, orgId: string, seq: number) {
  return entries(db).findOne<Pick<CreditEntryDoc, '_id' | 'seq' | 'balanceAfter'>>(
    { _id: entryId(orgId, seq), orgId },
    { projection: { seq: 1, balanceAfter: 1 } },
  );
}

/** The entries that charged any of `keys`, by key (one key by `{orgId, idempotencyKey}`, several by `in`). */
export async function findEntriesByIdempotencyKeys(
  db: Db,
  orgId: string,
  keys: string[],
): Promise<Map<string, CreditEntryDoc>> {
  const unique = [...new Set(keys)];
  const found: CreditEntryDoc[] = [];
  if (unique.length === 1) {
    const one = await entries(db).findOne({ orgId, idempotencyKey: unique[0] as string });
    if (one) found.push(one);
  }
  for (let i = 0; unique.length > 1 && i < unique.length; i += IN_BATCH) {
    found.push(
      ...(await entries(db)
        .find({ orgId, idempotencyKey: { $in: unique.slice(i, i + IN_BATCH) } })
        .toArray()),
    );
  }
  return new Map(found.map((entry) => [entry.idempotencyKey, entry]));
}

export interface EntryFilter {
  kind?: 'credit' | 'debit' | undefined;
  userId?: string | undefined;
  keyId?: string | undefined;
  teamId?: string | undefined;
  clientId?: string | undefined;
  from?: Date | undefined;
  to?: Date | undefined;
}

/** The log, newest first. */
export function pageEntries(db: Db, orgId: string, f: EntryFilter, page: PageQuery): Promise<Page<CreditEntryDoc>> {
  const filter = {
    orgId,
    ...(f.kind ? { kind: f.kind } : {}),
    ...(f.userId ? { userId: f.userId } : {}),
    ...(f.keyId ? { keyId: f.keyId } : {}),
    ...(f.teamId ? { teamId: f.teamId } : {}),
    ...(f.clientId ? { clientId: f.clientId } : {}),
    ...(f.from || f.to ? { at: { ...(f.from ? { $gte: f.from } : {}), ...(f.to ? { $lt: f.to } : {}) } } : {}),
  };
  return pageById<CreditEntryDoc>(entries(db), filter, page, 'descending');
}

export type UsageEntry = Pick<
  CreditEntryDoc,
  '_id' | 'seq' | 'kind' | 'amount' | 'at' | 'userId' | 'keyId' | 'teamId' | 'clientId'
>;

/** The entries after `afterSeq` (through `throughSeq`, or all), in no particular order, for summing. */
export function readUsageEntries(db: Db, orgId: string, afterSeq: number, throughSeq?: number) {
  return entries(db)
    .find<UsageEntry>(
      { orgId, _id: seqRange(orgId, afterSeq, throughSeq) },
      { projection: { seq: 1, kind: 1, amount: 1, at: 1, userId: 1, keyId: 1, teamId: 1, clientId: 1 } },
    )
    .toArray();
}

export type ChainEntry = Pick<CreditEntryDoc, '_id' | 'seq' | 'amount' | 'balanceAfter'>;

/** Up to `limit` entries after `afterSeq`, in order, for replaying the chain. */
export function readChain(db: Db, orgId: string, afterSeq: number, limit: number) {
  return entries(db)
    .find<ChainEntry>(
      { orgId, _id: seqRange(orgId, afterSeq) },
      { projection: { seq: 1, amount: 1, balanceAfter: 1 }, sort: { _id: 1 }, limit },
    )
    .toArray();
}

/**
 * Every organization that has ledger entries, in `_id` order, across organizations (for `credits
 * verify`). Each is found by one seek past the previous organization's entries (`${orgId};` follows
 * every `${orgId}:…`), so the walk costs one indexed read per organization, never a scan of the log.
 */
export async function* ledgerOrganizationsAcrossOrganizations(db: Db): AsyncGenerator<string> {
  let after: string | undefined;
  for (;;) {
    const [next] = await entries(db)
      .find(after ? { _id: { $gte: `${after};` } } : {}, { projection: { orgId: 1 }, sort: { _id: 1 }, limit: 1 })
      .toArray();
    if (!next) return;
    after = next.orgId;
    yield next.orgId;
  }
}

// --- The cached head and settings ---

export function findAccount(db: Db, orgId: string): Promise<CreditAccountDoc | null> {
  return accounts(db).findOne({ _id: orgId });
}

/** Moves the cached head forward (never back); not atomic on FerretDB, and readers walk past a lag. */
export async function advanceAccount(db: Db, orgId: string, seq: number, balance: number): Promise<void> {
  await accounts(db)
    .updateOne(
      { _id: orgId, seq: { $lt: seq } },
      { $set: { seq, balance, updatedAt: new Date() }, $setOnInsert: { overdraftLimit: 0 } },
      { upsert: true },
    )
    .catch(ignoreDuplicate);
}

export interface CachedHead {
  orgId: string;
  seq: number;
  balance: number;
}

/**
 * Statements per update command. FerretDB v1.24 (SQLite backend, measured with and without the
 * project's patches) never answers an update command of 100 or more statements that match documents,
 * and every later write waits behind it; 99 are answered in milliseconds.
 */
const UPDATES_PER_COMMAND = 50;

/** Moves several organizations' cached heads forward, a few dozen per command (each to the furthest given). */
export async function advanceAccounts(db: Db, heads: CachedHead[]): Promise<void> {
  const furthest = new Map<string, CachedHead>();
  for (const head of heads) if ((furthest.get(head.orgId)?.seq ?? -1) < head.seq) furthest.set(head.orgId, head);
  const now = new Date();
  const updates: AnyBulkWriteOperation<CreditAccountDoc>[] = [...furthest.values()].map(({ orgId, seq, balance }) => ({
    updateOne: {
      filter: { _id: orgId, seq: { $lt: seq } },
      update: { $set: { seq, balance, updatedAt: now }, $setOnInsert: { overdraftLimit: 0 } },
      upsert: true,
    },
  }));
  for (let i = 0; i < updates.length; i += UPDATES_PER_COMMAND) {
    try {
      await accounts(db).bulkWrite(updates.slice(i, i + UPDATES_PER_COMMAND), { ordered: false });
    } catch (error) {
      const failures = error instanceof MongoBulkWriteError ? [error.writeErrors].flat() : [error];
      if (!failures.every((failure) => isDuplicateKeyError(failure))) throw error;
    }
  }
}

/** Sets the cached head to what the log says (`credits verify --repair`). */
export async function setAccountHead(db: Db, orgId: string, seq: number, balance: number): Promise<void> {
  await accounts(db).updateOne(
    { _id: orgId },
    { $set: { seq, balance, updatedAt: new Date() }, $setOnInsert: { overdraftLimit: 0 } },
    { upsert: true },
  );
}

export async function setAccountOverdraftLimit(db: Db, orgId: string, overdraftLimit: number): Promise<void> {
  await accounts(db).updateOne(
    { _id: orgId },
    { $set: { overdraftLimit, updatedAt: new Date() }, $setOnInsert: { seq: 0, balance: 0 } },
    { upsert: true },
  );
}

// --- Usage rollups ---

export async function findUsageRollups(db: Db, orgId: string, ids: string[]): Promise<UsageRollupDoc[]> {
  const found: UsageRollupDoc[] = [];
  for (let i = 0; i < ids.length; i += IN_BATCH) {
    found.push(
      ...(await rollups(db)
        .find({ orgId, _id: { $in: ids.slice(i, i + IN_BATCH) } })
        .toArray()),
    );
  }
  return found;
}

/** Inserts rollups; one that exists already was computed from the same entries and stays. */
export async function insertUsageRollups(db: Db, docs: UsageRollupDoc[]): Promise<void> {
  for (let i = 0; i < docs.length; i += 1_000) {
    const batch: AnyBulkWriteOperation<UsageRollupDoc>[] = docs
      .slice(i, i + 1_000)
      .map((document) => ({ insertOne: { document } }));
    try {
      await rollups(db).bulkWrite(batch, { ordered: false });
    } catch (error) {
      const failures = error instanceof MongoBulkWriteError ? [error.writeErrors].flat() : [error];
      if (!failures.every((failure) => isDuplicateKeyError(failure))) throw error;
    }
  }
}

// --- Organization deletion ---

/**
 * Removes an organization's ledger, cached head, idempotency records and usage rollups (called
 * through ledger.ts: deleteLedger, which writes the caches due first). Not called when an
 * organization is deleted today: the ledger is its financial record and stays with the
 * organization's tombstone, like its audit log (see the report of this change).
 */
export async function deleteCreditsOfOrganization(db: Db, orgId: string) {
  const ofOrganization = { orgId, _id: idsOfOrganization(orgId) };
  const deleted = {
    rollups: await deleteInBatches(rollups(db), ofOrganization),
    idempotencyKeys: await deleteInBatches(idempotency(db), ofOrganization),
    entries: await deleteInBatches(entries(db), { orgId }),
  };
  await accounts(db).deleteOne({ _id: orgId });
  return deleted;
}
