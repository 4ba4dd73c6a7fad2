import type { Db } from '../stores/db.js';
import { groupCommit } from '../stores/group-commit.js';
import { advanceAccounts, type CachedHead, insertUsageRollups, type UsageRollupDoc } from './store.js';

/**
 * The writes that keep the credits caches after entries commit (an account's cached head, usage
 * rollups), grouped across concurrent requests: organizations whose leaves complete at the same
 * moment (their debits arrive at the same pace) are written by one command for their rollups and one
 * for their accounts, instead of two per organization at once.
 */
interface Grouped {
  rollup: (doc: UsageRollupDoc) => Promise<void>;
  head: (head: CachedHead) => Promise<void>;
}
const grouped = new WeakMap<Db, Grouped>();
function groupedOf(db: Db): Grouped {
  let one = grouped.get(db);
  if (!one) {
    one = {
      rollup: groupCommit((docs: UsageRollupDoc[]) => insertUsageRollups(db, docs)),
      head: groupCommit((heads: CachedHead[]) => advanceAccounts(db, heads)),
    };
    grouped.set(db, one);
  }
  return one;
}

/** Stores rollups; one that exists already was computed from the same entries and stays. */
export async function storeUsageRollups(db: Db, docs: UsageRollupDoc[]): Promise<void> {
  await Promise.all(docs.map((doc) => groupedOf(db).rollup(doc)));
}

/** Moves an organization's cached head forward (never back). */
export function storeCachedHead(db: Db, orgId: string, seq: number, balance: number): Promise<void> {
  return groupedOf(db).head({ orgId, seq, balance });
}
