import type { Db } from '../stores/db.js';
import {
  findUsageRollups,
  insertUsageRollups,
  readUsageEntries,
  type UsageEntry,
  type UsageRollupDoc,
  type UsageTotal,
} from './store.js';

/**
 * Usage rollups: the debits of fixed, aligned runs of ledger entries, summed per member, key, team
 * and client, in a tree. A leaf sums `leaf` entries, a node of level L sums `fanOut` nodes of level
 * L - 1. The ledger is append-only and has no gaps (entry `seq + 1` is only ever built on `seq`), so
 * once a run's last entry exists its sums are final: a rollup is written once by a unique insert,
 * after the run's last entry (appendEntry) or when a report finds it missing (it is a cache), and
 * any writer computes the same document. Nothing is ever updated, so nothing can drift.
 */
export interface RollupGeometry {
  leaf: number;
  fanOut: number;
}

/** Measured at 1,000,000 entries in one organization (see the report of this change). */
export const USAGE_GEOMETRY: RollupGeometry = { leaf: 16, fanOut: 16 };

/** The entries `firstSeq..lastSeq` a rollup of `level` sums. */
export interface Run {
  firstSeq: number;
  lastSeq: number;
  level: number;
}

export interface RolledUp {
  run: Run;
  rollup: UsageRollupDoc;
}

const runSize = (g: RollupGeometry, level: number) => g.leaf * g.fanOut ** level;
const pad = (seq: number) => String(seq).padStart(12, '0');
/** Named by the entries it sums, so rollups of any geometry can share the collection. */
export const rollupId = (orgId: string, run: Run) => `${orgId}:${pad(run.firstSeq)}:${pad(run.lastSeq)}`;

/** The fewest aligned runs that cover entries `1..upTo` (a multiple of `leaf`), largest first. */
export function coverRuns(upTo: number, g: RollupGeometry): Run[] {
  let level = 0;
  while (runSize(g, level + 1) <= upTo) level++;
  const runs: Run[] = [];
  let covered = 0;
  for (; level >= 0; level--) {
    const size = runSize(g, level);
    for (; covered + size <= upTo; covered += size)
      runs.push({ firstSeq: covered + 1, lastSeq: covered + size, level });
  }
  return runs;
}

export function childRuns(run: Run, g: RollupGeometry): Run[] {
  const size = runSize(g, run.level - 1);
  return Array.from({ length: g.fanOut }, (_, i) => ({
    firstSeq: run.firstSeq + i * size,
    lastSeq: run.firstSeq + (i + 1) * size - 1,
    level: run.level - 1,
  }));
}

/** The runs that entry `seq` completes, leaf first. */
function runsEndingAt(seq: number, g: RollupGeometry): Run[] {
  const runs: Run[] = [];
  for (let level = 0; seq % runSize(g, level) === 0; level++) {
    runs.push({ firstSeq: seq - runSize(g, level) + 1, lastSeq: seq, level });
  }
  return runs;
}

const DIMENSIONS = [
  ['byMember', 'userId'],
  ['byKey', 'keyId'],
  ['byTeam', 'teamId'],
  ['byClient', 'clientId'],
] as const;
type Dimension = (typeof DIMENSIONS)[number][0];

/** Debits added up: in all and per member, key, team and client. */
export class UsageTally {
  total = 0;
  private readonly sums = new Map<Dimension, Map<string, number>>(
    DIMENSIONS.map(([dimension]) => [dimension, new Map()]),
  );

  private add(dimension: Dimension, id: string, amount: number) {
    const sums = this.sums.get(dimension) as Map<string, number>;
    sums.set(id, (sums.get(id) ?? 0) + amount);
  }

  addEntry(entry: UsageEntry): void {
    if (entry.kind !== 'debit') return;
    this.total -= entry.amount;
    for (const [dimension, field] of DIMENSIONS) {
      const id = entry[field];
      if (id) this.add(dimension, id, -entry.amount);
    }
  }

  addRollup(rollup: UsageRollupDoc): void {
    this.total += rollup.total;
    for (const [dimension] of DIMENSIONS)
      for (const { id, amount } of rollup[dimension]) this.add(dimension, id, amount);
  }

  /** Largest first (ties by id). */
  totals(dimension: Dimension): UsageTotal[] {
    return [...(this.sums.get(dimension) as Map<string, number>)]
      .map(([id, amount]) => ({ id, amount }))
      .sort((a, b) => b.amount - a.amount || (a.id < b.id ? -1 : 1));
  }

  report() {
    const [byMember, byKey, byTeam, byClient] = DIMENSIONS.map(([dimension]) => this.totals(dimension));
    return { total: this.total, byMember, byKey, byTeam, byClient } as Record<Dimension, UsageTotal[]> & {
      total: number;
    };
  }
}

function rollupOf(orgId: string, run: Run, tally: UsageTally, times: Date[]): UsageRollupDoc {
  const byId = (a: UsageTotal, b: UsageTotal) => (a.id < b.id ? -1 : 1);
  const ms = times.map((at) => at.getTime());
  return {
    _id: rollupId(orgId, run),
    orgId,
    firstSeq: run.firstSeq,
    lastSeq: run.lastSeq,
    earliestAt: new Date(Math.min(...ms)),
    latestAt: new Date(Math.max(...ms)),
    total: tally.total,
    byMember: tally.totals('byMember').sort(byId),
    byKey: tally.totals('byKey').sort(byId),
    byTeam: tally.totals('byTeam').sort(byId),
    byClient: tally.totals('byClient').sort(byId),
  };
}

/** Entries read per query when leaves are computed from the ledger. */
const LEDGER_WINDOW = 4_096;

/** Leaves from the ledger, reading contiguous leaves together. */
async function summarizeLedger(db: Db, orgId: string, leaves: Run[], g: RollupGeometry): Promise<UsageRollupDoc[]> {
  const sorted = [...leaves].sort((a, b) => a.firstSeq - b.firstSeq);
  const perWindow = Math.max(1, Math.floor(LEDGER_WINDOW / g.leaf));
  const built: UsageRollupDoc[] = [];
  for (let i = 0; i < sorted.length; ) {
    let j = i + 1;
    while (j < sorted.length && j - i < perWindow && sorted[j]?.firstSeq === (sorted[j - 1]?.lastSeq ?? 0) + 1) j++;
    const window = sorted.slice(i, j);
    const first = window[0]?.firstSeq ?? 1;
    const entries = await readUsageEntries(db, orgId, first - 1, window.at(-1)?.lastSeq);
    const byLeaf = window.map(() => [] as UsageEntry[]);
    for (const entry of entries) byLeaf[Math.floor((entry.seq - first) / g.leaf)]?.push(entry);
    for (const [k, run] of window.entries()) {
      const own = byLeaf[k] as UsageEntry[];
      if (own.length !== g.leaf) {
        throw new Error(`the ledger of ${orgId} misses entries in ${run.firstSeq}..${run.lastSeq}; run credits verify`);
      }
      const tally = new UsageTally();
      for (const entry of own) tally.addEntry(entry);
      built.push(
        rollupOf(
          orgId,
          run,
          tally,
          own.map((entry) => entry.at),
        ),
      );
    }
    i = j;
  }
  return built;
}

/** Computes and stores rollups: leaves from the ledger, nodes from their children (loaded or built first). */
async function buildRollups(db: Db, orgId: string, runs: Run[], g: RollupGeometry): Promise<UsageRollupDoc[]> {
  const nodes = runs.filter((run) => run.level > 0);
  const children = await loadRollups(
    db,
    orgId,
    nodes.flatMap((run) => childRuns(run, g)),
    g,
  );
  const built = await summarizeLedger(
    db,
    orgId,
    runs.filter((run) => run.level === 0),
    g,
  );
  for (const [i, run] of nodes.entries()) {
    const parts = children.slice(i * g.fanOut, (i + 1) * g.fanOut).map((child) => child.rollup);
    const tally = new UsageTally();
    for (const part of parts) tally.addRollup(part);
    built.push(rollupOf(orgId, run, tally, [...parts.map((p) => p.earliestAt), ...parts.map((p) => p.latestAt)]));
  }
  await insertUsageRollups(db, built);
  return built;
}

/** The rollups of complete runs, computing (and storing) any that are missing. */
export async function loadRollups(db: Db, orgId: string, runs: Run[], g: RollupGeometry): Promise<RolledUp[]> {
  if (runs.length === 0) return [];
  const ids = runs.map((run) => rollupId(orgId, run));
  const found = new Map((await findUsageRollups(db, orgId, ids)).map((rollup) => [rollup._id, rollup]));
  const missing = runs.filter((_, i) => !found.has(ids[i] as string));
  if (missing.length > 0) for (const rollup of await buildRollups(db, orgId, missing, g)) found.set(rollup._id, rollup);
  return runs.map((run, i) => ({ run, rollup: found.get(ids[i] as string) as UsageRollupDoc }));
}

/** After entry `seq` is in the log: writes the rollups it completes, leaf first (each from the one before). */
export async function recordCompletedRollups(db: Db, orgId: string, seq: number, g = USAGE_GEOMETRY): Promise<void> {
  for (const run of runsEndingAt(seq, g)) await buildRollups(db, orgId, [run], g);
}
