import type { Db } from '../stores/db.js';
import { groupCommit } from '../stores/group-commit.js';
import {
  findUsageRollups,
  insertUsageRollups,
  readUsageEntries,
  type UsageEntry,
  type UsageRollupDoc,
} from './store.js';
import { type Debit, debitOf, type Sums, UsageTally } from './usage-tally.js';

/**
 * Usage rollups: the debits of fixed, aligned runs of ledger entries, summed per member, key, team
 * and client, in a tree. A leaf sums `leaf` entries, a node of level L sums `fanOut` nodes of level
 * L - 1. The ledger is append-only and has no gaps (entry `seq + 1` is only ever built on `seq`), so
 * once a run's last entry exists its sums are final: a rollup is written once by a unique insert,
 * after the run's last entry (behind the response, cache-writes.ts) or when a report finds it missing
 * (it is a cache), and any writer computes the same document. Nothing is ever updated, so nothing
 * can drift. A leaf also keeps its debits, and a node when each child's debits were made, so that a
 * report opens only the rollups across the edges of its period (usage.ts).
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
/**
 * Named by its geometry and the entries it sums: how a rollup opens (its children, or a leaf's
 * debits) depends on the geometry, so rollups of another geometry (tests, or a later change of
 * USAGE_GEOMETRY) are never read for one of this geometry.
 */
export const rollupId = (orgId: string, run: Run, g: RollupGeometry) =>
  `${orgId}:${g.leaf}x${g.fanOut}:${pad(run.firstSeq)}:${pad(run.lastSeq)}`;

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

/** What a rollup's `detail` holds (JSON). */
export interface RollupDetail {
  sums: Sums;
  /** A leaf's debits, in ledger order. */
  debits?: Debit[];
  /** A node's children: the earliest and latest `at` (ms) of each one's debits, null when it has none. */
  parts?: Array<[number, number] | null>;
}

export const detailOf = (rollup: UsageRollupDoc) => JSON.parse(rollup.detail) as RollupDetail;

function rollupOf(
  orgId: string,
  run: Run,
  g: RollupGeometry,
  tally: UsageTally,
  times: number[],
  more: Omit<RollupDetail, 'sums'>,
) {
  const some = times.length > 0;
  const rollup: UsageRollupDoc = {
    _id: rollupId(orgId, run, g),
    orgId,
    firstSeq: run.firstSeq,
    lastSeq: run.lastSeq,
    earliestAt: some ? new Date(Math.min(...times)) : null,
    latestAt: some ? new Date(Math.max(...times)) : null,
    total: tally.total,
    detail: JSON.stringify({ sums: tally.sums(), ...more } satisfies RollupDetail),
  };
  return rollup;
}

/** Entries read per query when leaves are computed from the ledger. */
const LEDGER_WINDOW = 4_096;

/**
 * Leaves from the ledger, reading contiguous leaves together; `known` entries (the writer's own, just
 * committed) are used instead of reading when they are exactly a window's.
 */
async function summarizeLedger(
  db: Db,
  orgId: string,
  leaves: Run[],
  g: RollupGeometry,
  known?: UsageEntry[],
): Promise<UsageRollupDoc[]> {
  const sorted = [...leaves].sort((a, b) => a.firstSeq - b.firstSeq);
  const perWindow = Math.max(1, Math.floor(LEDGER_WINDOW / g.leaf));
  const built: UsageRollupDoc[] = [];
  for (let i = 0; i < sorted.length; ) {
    let j = i + 1;
    while (j < sorted.length && j - i < perWindow && sorted[j]?.firstSeq === (sorted[j - 1]?.lastSeq ?? 0) + 1) j++;
    const window = sorted.slice(i, j);
    const first = window[0]?.firstSeq ?? 1;
    const last = window.at(-1)?.lastSeq ?? first;
    const mine = known?.filter((entry) => entry.seq >= first && entry.seq <= last) ?? [];
    const entries =
      new Set(mine.map((entry) => entry.seq)).size === last - first + 1
        ? mine
        : await readUsageEntries(db, orgId, first - 1, last);
    const byLeaf = window.map(() => [] as UsageEntry[]);
    for (const entry of entries) byLeaf[Math.floor((entry.seq - first) / g.leaf)]?.push(entry);
    for (const [k, run] of window.entries()) {
      const own = byLeaf[k] as UsageEntry[];
      if (own.length !== g.leaf) {
        throw new Error(`the ledger of ${orgId} misses entries in ${run.firstSeq}..${run.lastSeq}; run credits verify`);
      }
      const debits = own
        .sort((a, b) => a.seq - b.seq)
        .map(debitOf)
        .filter((debit): debit is Debit => debit !== undefined);
      const tally = new UsageTally();
      for (const debit of debits) tally.addDebit(debit);
      built.push(
        rollupOf(
          orgId,
          run,
          g,
          tally,
          debits.map(([at]) => at),
          { debits },
        ),
      );
    }
    i = j;
  }
  return built;
}

const rollupWrites = new WeakMap<Db, (doc: UsageRollupDoc) => Promise<void>>();

/**
 * Stores rollups, grouped with those other requests store at the same moment; one that exists already
 * was computed from the same entries and stays.
 */
async function storeUsageRollups(db: Db, docs: UsageRollupDoc[]): Promise<void> {
  let write = rollupWrites.get(db);
  if (!write) {
    write = groupCommit((batch: UsageRollupDoc[]) => insertUsageRollups(db, batch));
    rollupWrites.set(db, write);
  }
  await Promise.all(docs.map(write));
}

/** Computes and stores rollups: leaves from the ledger, nodes from their children (loaded or built first). */
async function buildRollups(
  db: Db,
  orgId: string,
  runs: Run[],
  g: RollupGeometry,
  known?: UsageEntry[],
): Promise<UsageRollupDoc[]> {
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
    known,
  );
  for (const [i, run] of nodes.entries()) {
    const parts = children.slice(i * g.fanOut, (i + 1) * g.fanOut).map((child) => child.rollup);
    const tally = new UsageTally();
    for (const part of parts) tally.addSums(part.total, detailOf(part).sums, 1);
    const spans = parts.map((part) =>
      part.earliestAt && part.latestAt
        ? ([part.earliestAt.getTime(), part.latestAt.getTime()] as [number, number])
        : null,
    );
    const times = spans.flatMap((span) => span ?? []);
    built.push(rollupOf(orgId, run, g, tally, times, { parts: spans }));
  }
  await storeUsageRollups(db, built);
  return built;
}

/**
 * Rollups never change once written, so this process keeps the ones it read or wrote last, per
 * database: every report reads the same few at the top of the tree. (A few thousand documents of a
 * few kilobytes.)
 */
const recentByDb = new WeakMap<Db, Map<string, UsageRollupDoc>>();
const RECENT = 2_048;
function recentOf(db: Db) {
  const recent = recentByDb.get(db) ?? new Map<string, UsageRollupDoc>();
  recentByDb.set(db, recent);
  return recent;
}
function remember(recent: Map<string, UsageRollupDoc>, rollup: UsageRollupDoc) {
  recent.delete(rollup._id);
  if (recent.size >= RECENT) recent.delete(recent.keys().next().value as string);
  recent.set(rollup._id, rollup);
}

/** The rollups of complete runs, computing (and storing) any that are missing. */
export async function loadRollups(db: Db, orgId: string, runs: Run[], g: RollupGeometry): Promise<RolledUp[]> {
  if (runs.length === 0) return [];
  const ids = runs.map((run) => rollupId(orgId, run, g));
  const recent = recentOf(db);
  const found = new Map<string, UsageRollupDoc>();
  for (const id of ids) {
    const known = recent.get(id);
    if (known) found.set(id, known);
  }
  const unknown = ids.filter((id) => !found.has(id));
  if (unknown.length > 0)
    for (const rollup of await findUsageRollups(db, orgId, unknown)) found.set(rollup._id, rollup);
  const missing = runs.filter((_, i) => !found.has(ids[i] as string));
  if (missing.length > 0) for (const rollup of await buildRollups(db, orgId, missing, g)) found.set(rollup._id, rollup);
  return runs.map((run, i) => {
    const rollup = found.get(ids[i] as string) as UsageRollupDoc;
    remember(recent, rollup);
    return { run, rollup };
  });
}

/**
 * After entries are in the log: writes the rollups they complete, given the entries that complete a
 * leaf (`seq`, a multiple of the leaf size) and, when the caller has them all, the leaf's `entries`
 * (the ledger's writer, for the entries it wrote), which are then not read back. Every leaf goes in
 * one insert; then the nodes, each from the ones before.
 */
export async function recordCompletedRollups(
  db: Db,
  orgId: string,
  leaves: Array<{ seq: number; entries?: UsageEntry[] | undefined }>,
  g = USAGE_GEOMETRY,
): Promise<void> {
  const ordered = [...leaves].sort((a, b) => a.seq - b.seq);
  const runs = ordered.map(({ seq }) => runsEndingAt(seq, g));
  await buildRollups(
    db,
    orgId,
    runs.map(([leaf]) => leaf as Run),
    g,
    ordered.flatMap((leaf) => leaf.entries ?? []),
  );
  for (const run of runs.flatMap((ending) => ending.slice(1))) await buildRollups(db, orgId, [run], g);
}
