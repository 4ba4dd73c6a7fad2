import type { Db } from '../stores/db.js';
import { type WriteBehind, writeBehind } from '../stores/write-behind.js';
import type { CreditEntryDoc } from './model.js';
import { recordCompletedRollups, USAGE_GEOMETRY } from './rollups.js';
import { advanceAccounts } from './store.js';

/**
 * The caches an organization's new entries call for (usage rollups, the account's cached head), written
 * behind the responses: at most CACHES_EVERY_MS after the entry that completes a leaf, every
 * organization's due rollups with one insert and their heads with one bulk update. Nothing waits for
 * them: both are caches (a usage report builds a missing rollup, a head read walks past a cache that
 * lags), so a crash costs time, never exactness, and the leaves of organizations whose debits arrive
 * at the same pace do not hold a sixteenth of the requests at once.
 */
export const CACHES_EVERY_MS = 100;

/** What an organization's entries left to write. */
interface Due {
  /** The furthest leaf-completing entry. */
  seq: number;
  balance: number;
  /** Each completed leaf: its last entry, and its entries when this process wrote them all. */
  leaves: Array<{ seq: number; entries: CreditEntryDoc[] | undefined }>;
}

const dueOf = new WeakMap<Db, WriteBehind<Due>>();
function cachesDue(db: Db): WriteBehind<Due> {
  let due = dueOf.get(db);
  if (!due) {
    due = writeBehind<Due>(
      db,
      (earlier, later) => ({
        ...(later.seq > earlier.seq ? later : earlier),
        leaves: [...earlier.leaves, ...later.leaves],
      }),
      (changes) => writeCaches(db, changes),
      CACHES_EVERY_MS,
    );
    dueOf.set(db, due);
  }
  return due;
}

/** Rollups first: a usage report trusts the rollups up to the cached head's last leaf. */
async function writeCaches(db: Db, changes: Map<string, Due>): Promise<void> {
  await Promise.all([...changes].map(([orgId, due]) => recordCompletedRollups(db, orgId, due.leaves, USAGE_GEOMETRY)));
  await advanceAccounts(
    db,
    [...changes].map(([orgId, { seq, balance }]) => ({ orgId, seq, balance })),
  );
}

/** Entry `seq` completed a rollup leaf: its rollups and the cached head are due. */
export function leafCompleted(db: Db, orgId: string, seq: number, balance: number, entries?: CreditEntryDoc[]) {
  cachesDue(db).add(orgId, { seq, balance, leaves: [{ seq, entries }] });
}

/** Writes the caches due now (before an organization's credits are deleted, and in tests). */
export function writeCachesDue(db: Db): Promise<void> {
  return cachesDue(db).flush();
}
