import type { Db } from '../stores/db.js';
import { findAccount, ledgerOrganizationsAcrossOrganizations, readChain, setAccountHead } from './store.js';

/** Entries read per query while replaying a log. */
const PAGE = 1_000;

export interface LedgerReport {
  orgId: string;
  entries: number;
  /** The sum of the log. */
  balance: number;
  /** What the account cache said before any repair. */
  cachedBalance: number;
  cachedSeq: number;
  /** Problems in the log itself (never expected: each entry is checked against the previous one). */
  chainErrors: string[];
  /**
   * The account cache is behind the log. Expected: the cache is only brought forward every few entries
   * (and a crash can leave it further behind); readers walk the log from it, so it is not a difference.
   */
  cacheBehind: boolean;
  repaired: boolean;
}

/**
 * Recomputes each organization's balance from its log, entry by entry, and compares it with the
 * cached account; with `repair` the cache is set to what the log says. The log is never rewritten.
 */
export async function verifyLedgers(db: Db, { orgId, repair = false }: { orgId?: string; repair?: boolean } = {}) {
  // Every organization with a log, found one indexed seek at a time: an organization whose cached
  // account is missing (it is only written every few entries) is checked, and repaired, like any other.
  const orgIds = orgId ? [orgId] : ledgerOrganizationsAcrossOrganizations(db);
  const reports: LedgerReport[] = [];
  for await (const id of orgIds) reports.push(await verifyLedger(db, id, repair));
  return {
    organizations: reports.length,
    // A difference is a log that does not add up; a cache behind its log is reported apart (`cachesBehind`).
    differences: reports.filter((r) => r.chainErrors.length).length,
    cachesBehind: reports.filter((r) => r.cacheBehind).length,
    repaired: reports.filter((r) => r.repaired).length,
    reports,
  };
}

async function verifyLedger(db: Db, orgId: string, repair: boolean): Promise<LedgerReport> {
  const account = await findAccount(db, orgId);
  const chainErrors: string[] = [];
  let balance = 0;
  let seq = 0;
  for (let page = await readChain(db, orgId, 0, PAGE); page.length > 0; page = await readChain(db, orgId, seq, PAGE)) {
    for (const entry of page) {
      if (entry.seq !== seq + 1) chainErrors.push(`entry ${entry._id} follows seq ${seq}`);
      balance += entry.amount;
      if (entry.balanceAfter !== balance)
        chainErrors.push(`entry ${entry._id} says ${entry.balanceAfter}, the log sums to ${balance}`);
      seq = entry.seq;
    }
  }
  const cachedSeq = account?.seq ?? 0;
  const cachedBalance = account?.balance ?? 0;
  const cacheBehind = cachedSeq !== seq || cachedBalance !== balance;
  let repaired = false;
  if (repair && cacheBehind && chainErrors.length === 0) {
    await setAccountHead(db, orgId, seq, balance);
    repaired = true;
  }
  return { orgId, entries: seq, balance, cachedBalance, cachedSeq, chainErrors, cacheBehind, repaired };
}
