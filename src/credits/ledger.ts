import { Mutex } from 'async-mutex';
import { type Db, isDuplicateKeyError } from '../stores/db.js';
import { type CreditEntryDoc, entryId } from './model.js';
import { recordCompletedRollups, USAGE_GEOMETRY } from './rollups.js';
import { advanceAccount, findAccount, findEntryByIdempotencyKey, findEntryLink, insertEntry } from './store.js';

export interface Head {
  seq: number;
  balance: number;
  overdraftLimit: number;
}

/** What a change becomes once it knows the head it extends. */
export type EntryDraft = Omit<CreditEntryDoc, '_id' | 'orgId' | 'seq' | 'balanceAfter' | 'at'>;

const MAX_ATTEMPTS = 50;
/** Every usage-rollup leaf: a usage report reads the log after the cached head (usage.ts). */
const CACHE_EVERY = USAGE_GEOMETRY.leaf;

/** One writer per organization per process; other processes are caught by the `_id` insert. */
const locks = new Map<string, { mutex: Mutex; users: number }>();
async function withOrgLock<T>(orgId: string, work: () => Promise<T>): Promise<T> {
  const lock = locks.get(orgId) ?? { mutex: new Mutex(), users: 0 };
  locks.set(orgId, lock);
  lock.users += 1;
  try {
    return await lock.mutex.runExclusive(work);
  } finally {
    lock.users -= 1;
    if (lock.users === 0) locks.delete(orgId);
  }
}

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
    const next = await findEntryLink(db, orgId, seq + 1);
    if (!next) break;
    seq = next.seq;
    balance = next.balanceAfter;
    moved = true;
  }
  if (moved) await advanceAccount(db, orgId, seq, balance);
  return { seq, balance, overdraftLimit: account?.overdraftLimit ?? 0 };
}

export type AppendResult = { entry: CreditEntryDoc; replayed: boolean };

/**
 * The last head this process wrote per organization. It may be stale when another process
 * appended since: the insert of the next sequence number then fails and the head is read again.
 */
const knownHeads = new Map<string, Head>();
const MAX_KNOWN_HEADS = 10_000;
function remember(orgId: string, head: Head) {
  knownHeads.delete(orgId);
  if (knownHeads.size >= MAX_KNOWN_HEADS) knownHeads.delete(knownHeads.keys().next().value as string);
  knownHeads.set(orgId, head);
}

/** Forgets cached heads (after the overdraft limit changes, or in tests that rewrite a ledger). */
export function forgetHead(orgId: string): void {
  knownHeads.delete(orgId);
}

/**
 * Appends one entry after the head. `build` sees the head and returns the entry or throws (e.g.
 * not enough credits; a refusal is only given on a head just read from the database). The insert
 * of `${orgId}:${seq + 1}` is the commit point: before it nothing happened, after it the change and
 * its log entry exist together. A clash on the sequence means another process moved the head:
 * read it again and retry. A clash on the idempotency key means this key was already charged: the
 * earlier entry is returned. Afterwards, outside the lock, the account cache is brought forward and
 * the usage rollups the entry completes are written (rollups.ts).
 */
export async function appendEntry(db: Db, orgId: string, build: (head: Head) => EntryDraft): Promise<AppendResult> {
  const result = await withOrgLock(orgId, async () => {
    let head = knownHeads.get(orgId);
    let fresh = false;
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      if (!head) {
        head = await readHead(db, orgId);
        fresh = true;
      }
      let draft: EntryDraft;
      try {
        draft = build(head);
      } catch (refusal) {
        if (fresh) throw refusal;
        head = undefined;
        continue;
      }
      const seq = head.seq + 1;
      const entry: CreditEntryDoc = {
        ...draft,
        _id: entryId(orgId, seq),
        orgId,
        seq,
        balanceAfter: head.balance + draft.amount,
        at: new Date(),
      };
      try {
        await insertEntry(db, entry);
      } catch (error) {
        if (!isDuplicateKeyError(error)) throw error;
        const earlier = await findEntryByIdempotencyKey(db, orgId, draft.idempotencyKey);
        if (earlier) return { entry: earlier, replayed: true };
        head = undefined;
        continue;
      }
      remember(orgId, { ...head, seq, balance: entry.balanceAfter });
      return { entry, replayed: false };
    }
    knownHeads.delete(orgId);
    throw new Error(`the ledger of ${orgId} is too busy; try again`);
  });
  if (!result.replayed) {
    const { seq, balanceAfter } = result.entry;
    // The cache only shortens readHead's walk and a usage report's read of the log's end (usage.ts),
    // so it is brought forward every CACHE_EVERY entries.
    if (seq % CACHE_EVERY === 0) await advanceAccount(db, orgId, seq, balanceAfter);
    await recordCompletedRollups(db, orgId, seq);
  }
  return result;
}
