import type { Db } from '../stores/db.js';
import { readHead } from './ledger.js';
import { childRuns, coverRuns, loadRollups, type RolledUp, USAGE_GEOMETRY, UsageTally } from './rollups.js';
import { readUsageEntries, type UsageEntry, type UsageRollupDoc } from './store.js';

export interface Period {
  from?: Date | undefined;
  to?: Date | undefined;
}

type Placement = 'inside' | 'outside' | 'across';

function placement(rollup: UsageRollupDoc, { from, to }: Period): Placement {
  if (rollup.total === 0) return 'outside'; // no debits to count
  if ((from && rollup.latestAt < from) || (to && rollup.earliestAt >= to)) return 'outside';
  if ((!from || rollup.earliestAt >= from) && (!to || rollup.latestAt < to)) return 'inside';
  return 'across';
}

/**
 * Debits with `from <= at < to`, summed by member, key, team and client. The complete part of the log
 * is covered by the fewest rollups (rollups.ts); a rollup whose entries all lie inside the period is
 * counted whole, one entirely outside is skipped, and one across an edge is replaced by its children
 * (a leaf by its entries), level by level. Entries after the last complete leaf are read from the log.
 * Exact whatever the order of `at` along the log; as `at` grows with `seq`, only the rollups at the
 * period's two edges are opened, so the cost grows with the log's depth, not its length.
 */
export async function usageOfPeriod(db: Db, orgId: string, period: Period, g = USAGE_GEOMETRY) {
  const head = await readHead(db, orgId);
  const rolledUp = head.seq - (head.seq % g.leaf);
  const tally = new UsageTally();
  const count = (entries: UsageEntry[]) => {
    for (const entry of entries) {
      if ((!period.from || entry.at >= period.from) && (!period.to || entry.at < period.to)) tally.addEntry(entry);
    }
  };
  let [frontier, tail]: [RolledUp[], UsageEntry[]] = await Promise.all([
    loadRollups(db, orgId, coverRuns(rolledUp, g), g),
    readUsageEntries(db, orgId, rolledUp),
  ]);
  count(tail);
  while (frontier.length > 0) {
    const across = [];
    for (const { run, rollup } of frontier) {
      const place = placement(rollup, period);
      if (place === 'inside') tally.addRollup(rollup);
      else if (place === 'across') across.push(run);
    }
    const leaves = across.filter((run) => run.level === 0);
    const nodes = across.filter((run) => run.level > 0);
    let entries: UsageEntry[][];
    [frontier, entries] = await Promise.all([
      loadRollups(
        db,
        orgId,
        nodes.flatMap((run) => childRuns(run, g)),
        g,
      ),
      Promise.all(leaves.map((run) => readUsageEntries(db, orgId, run.firstSeq - 1, run.lastSeq))),
    ]);
    for (const part of entries) count(part);
  }
  return tally.report();
}
