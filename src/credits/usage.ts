import type { Db } from '../stores/db.js';
import { childRuns, coverRuns, detailOf, loadRollups, type RolledUp, type Run, USAGE_GEOMETRY } from './rollups.js';
import { findAccount, readUsageEntries } from './store.js';
import { debitOf, UsageTally } from './usage-tally.js';

export interface Period {
  from?: Date | undefined;
  to?: Date | undefined;
}

type Placement = 'inside' | 'outside' | 'across' | 'none';

/** Where a run's debits, from `earliest` to `latest` (ms; null when it has none), lie against the period. */
function placement(span: [number, number] | null, { from, to }: Period): Placement {
  if (!span) return 'none';
  const [earliest, latest] = span;
  if ((from && latest < from.getTime()) || (to && earliest >= to.getTime())) return 'outside';
  if ((!from || earliest >= from.getTime()) && (!to || latest < to.getTime())) return 'inside';
  return 'across';
}

const spanOf = ({ rollup }: RolledUp): [number, number] | null =>
  rollup.earliestAt && rollup.latestAt ? [rollup.earliestAt.getTime(), rollup.latestAt.getTime()] : null;

/** What to do with a child once it is loaded. */
type Step = { run: Run; sign: 0 | 1 | -1; open: boolean };

/**
 * Opens the rollups whose debits lie across an edge of the period. A leaf holds its debits, so those
 * in the period are counted. A node knows when its children's debits were made: the children inside
 * are added, or, when fewer are outside, the node is added and the children outside taken away; a
 * child across is opened in turn (after being taken away whole, in the second case).
 */
function open(across: RolledUp[], period: Period, tally: UsageTally, g = USAGE_GEOMETRY): Step[] {
  const within = (at: number) =>
    (!period.from || at >= period.from.getTime()) && (!period.to || at < period.to.getTime());
  return across.flatMap((node): Step[] => {
    const detail = detailOf(node.rollup);
    if (node.run.level === 0) {
      for (const debit of detail.debits ?? []) if (within(debit[0])) tally.addDebit(debit);
      return [];
    }
    const children = childRuns(node.run, g).map((run, i) => ({
      run,
      place: placement(detail.parts?.[i] ?? null, period),
    }));
    const count = (place: Placement) => children.filter((child) => child.place === place).length;
    const subtract = count('outside') < count('inside');
    if (subtract) tally.addSums(node.rollup.total, detail.sums, 1);
    return children.flatMap(({ run, place }): Step[] => {
      if (place === 'across') return [{ run, sign: subtract ? -1 : 0, open: true }];
      if (subtract && place === 'outside') return [{ run, sign: -1, open: false }];
      if (!subtract && place === 'inside') return [{ run, sign: 1, open: false }];
      return [];
    });
  });
}

/**
 * Debits with `from <= at < to`, summed by member, key, team and client. The complete part of the log
 * is covered by the fewest rollups (rollups.ts); those whose debits all lie inside the period are
 * counted whole, those outside skipped, and those across an edge opened level by level (`open`).
 * Entries after the cached head's last complete leaf are read from the log. Exact whatever the order of `at` along
 * the log; as `at` grows with `seq`, only the rollups at the period's two edges are opened, so the
 * cost grows with the depth of the tree, not the length of the log.
 */
export async function usageOfPeriod(db: Db, orgId: string, period: Period, g = USAGE_GEOMETRY) {
  // The cached head is at most a leaf behind (ledger.ts); everything after its last complete leaf is
  // read from the log, so a cache further behind (a crash) costs time, never exactness.
  const cached = (await findAccount(db, orgId))?.seq ?? 0;
  const rolledUp = cached - (cached % g.leaf);
  const tally = new UsageTally();
  const [roots, tail] = await Promise.all([
    loadRollups(db, orgId, coverRuns(rolledUp, g), g),
    readUsageEntries(db, orgId, rolledUp),
  ]);
  for (const entry of tail) {
    const debit = debitOf(entry);
    if (debit && (!period.from || entry.at >= period.from) && (!period.to || entry.at < period.to))
      tally.addDebit(debit);
  }
  let across: RolledUp[] = [];
  for (const root of roots) {
    const place = placement(spanOf(root), period);
    if (place === 'inside') tally.addSums(root.rollup.total, detailOf(root.rollup).sums, 1);
    else if (place === 'across') across.push(root);
  }
  while (across.length > 0) {
    const steps = open(across, period, tally, g);
    const loaded = await loadRollups(
      db,
      orgId,
      steps.map((step) => step.run),
      g,
    );
    across = [];
    for (const [i, child] of loaded.entries()) {
      const step = steps[i] as Step;
      if (step.sign !== 0) tally.addSums(child.rollup.total, detailOf(child.rollup).sums, step.sign);
      if (step.open) across.push(child);
    }
  }
  return tally.report();
}
