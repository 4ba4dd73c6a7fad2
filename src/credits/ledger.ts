import type { Db } from '../stores/db.js';
import { leafCompleted, writeCachesDue } from './cache-writes.js';
import type { CreditEntryDoc } from './model.js';
import { USAGE_GEOMETRY } from './rollups.js';
import { advanceAccount, deleteCreditsOfOrganization, findAccount, readChain } from './store.js';
import { LedgerWriter } from './writer.js';

export interface Head {
  seq: number;
  balance: number;
  overdraftLimit: number;
}

/** What a change becomes once it knows the head it extends. */
export type EntryDraft = Omit<CreditEntryDoc, '_id' | 'orgId' | 'seq' | 'balanceAfter' | 'at'>;

export type AppendResult = {
  entry: CreditEntryDoc;
  replayed: boolean;
  /** The entries of the rollup leaf this one completes, when this process wrote them all. */
  leaf?: CreditEntryDoc[] | undefined;
};

/** Every usage-rollup leaf: a usage report reads the log after the cached head (usage.ts). */
const CACHE_EVERY = USAGE_GEOMETRY.leaf;
/** Entries read per query when walking from the cached head to the log's end (the cache is about a leaf behind). */
const HEAD_WALK = 64;

/**
 * The head of an organization's ledger: the cached account, then forward by `_id` over entries the
 * cache has not seen yet (written by another process, or before a crash). Repairs the cache.
 */
export async function readHead(db: Db, orgId: string): Promise<Head> {
  const account = await findAccount(db, orgId);
  let seq = account?.seq ?? 0;
  let balance = account?.balance ?? 0;
  let moved = false;
  for (;;) {
    const chain = await readChain(db, orgId, seq, HEAD_WALK);
    const last = chain.at(-1);
    if (!last) break;
    seq = last.seq;
    balance = last.balanceAfter;
    moved = true;
    if (chain.length < HEAD_WALK) break;
  }
  if (moved) await advanceAccount(db, orgId, seq, balance);
  return { seq, balance, overdraftLimit: account?.overdraftLimit ?? 0 };
}

/** One writer per database handle (a process has one; tests open several): it groups the appends of every organization (writer.ts). */
const writers = new WeakMap<Db, LedgerWriter>();
function writerOf(db: Db): LedgerWriter {
  let writer = writers.get(db);
  if (!writer) {
    writer = new LedgerWriter(db, readHead, CACHE_EVERY);
    writers.set(db, writer);
  }
  return writer;
}

/** Forgets the head this process remembers (after the overdraft limit changes, or in tests that rewrite a ledger). */
export function forgetHead(db: Db, orgId: string): void {
  writerOf(db).forget(orgId);
}

/**
 * Removes an organization's ledger and its caches (store.ts): the caches its entries made due are
 * written first, so that none is written after, and the head this process remembers is forgotten.
 */
export async function deleteLedger(db: Db, orgId: string) {
  await writeCachesDue(db);
  const deleted = await deleteCreditsOfOrganization(db, orgId);
  forgetHead(db, orgId);
  return deleted;
}

/**
 * Appends one entry after the head. `build` sees the head and returns the entry or throws (e.g.
 * not enough credits; a refusal is only given on a head read or written after the change was
 * asked for). The insert of `${orgId}:${seq + 1}` is the commit point: before it nothing happened,
 * after it the change and its log entry exist together. Changes asked for while a write is in
 * flight are built on one another and inserted together (writer.ts). A clash on the sequence
 * means another process moved the head: it is read again and the change retried. A clash on the
 * idempotency key means this key was already charged: the earlier entry is returned. An entry that
 * completes a usage-rollup leaf makes its rollups and the account's cached head due; they are written
 * behind the response (cache-writes.ts) whatever the size of the group. `idempotencyKey`, when the
 * caller has one (the key `build` puts in the entry): a change refused on the head is answered as a replay if that key was charged before.
 */
export async function appendEntry(
  db: Db,
  orgId: string,
  build: (head: Head) => EntryDraft,
  idempotencyKey?: string,
): Promise<AppendResult> {
  const result = await writerOf(db).append(orgId, build, idempotencyKey);
  if (!result.replayed) {
    const { seq, balanceAfter } = result.entry;
    // The cache only shortens readHead's walk and a usage report's read of the log's end (usage.ts),
    // so it is brought forward every CACHE_EVERY entries, with the rollup leaf the entry completes.
    if (seq % CACHE_EVERY === 0) leafCompleted(db, orgId, seq, balanceAfter, result.leaf);
  }
  return { entry: result.entry, replayed: result.replayed };
}
