import { type Db, isDuplicateKeyError } from '../stores/db.js';
import type { AppendResult, EntryDraft, Head } from './ledger.js';
import { type CreditEntryDoc, entryId } from './model.js';
import { findEntriesByIdempotencyKeys, insertEntries, readChain } from './store.js';

/** Rounds a change may go through without anyone's entry explaining why it was not placed. */
const MAX_ATTEMPTS = 50;
/** Entries per insert. */
const MAX_ROUND = 256;
const MAX_KNOWN_HEADS = 10_000;
/** Organizations whose last entries this process keeps, to sum a completed rollup leaf without reading it back. */
const MAX_TAILS = 1_000;
/**
 * Entries this process writes on a head before it reads the log after it again. Only for fairness
 * between processes: a writer that never reads would always beat one that has just read the head
 * after losing a race, as long as it has changes waiting. (One read per this many entries.)
 */
const TRUST_ENTRIES = 64;
/** Entries read per query when looking for entries after a head. */
const WALK = 64;

/**
 * A moment of this process: changes are stamped when asked for, heads when the command that read or
 * wrote them was sent. A head stamped after a change was asked for was the database's head at some
 * moment while the change waited, so the change may be refused on it.
 */
let clock = 0;
const tick = () => ++clock;

interface KnownHead {
  head: Head;
  stamp: number;
  /** Entries this process wrote since it last read the log; undefined when it just read it. */
  written?: number;
}

interface Waiting {
  orgId: string;
  build: (head: Head) => EntryDraft;
  /** The Idempotency-Key the change will carry, if the caller gave one: a refusal checks it was not charged before. */
  key: string | undefined;
  since: number;
  attempts: number;
  resolve: (result: AppendResult) => void;
  reject: (error: unknown) => void;
}

/** What became of each change of one organization in a round, in the order they were asked for. */
type Step =
  | { waiting: Waiting; entry: CreditEntryDoc }
  | { waiting: Waiting; refusal: unknown; entriesBefore: number }
  | { waiting: Waiting; sameKeyAs: number };

interface Plan {
  orgId: string;
  /** The head it was built on. */
  base: KnownHead;
  steps: Step[];
  entries: CreditEntryDoc[];
  /** The head after each entry. */
  heads: Head[];
}

/**
 * The ledgers' writer of one database handle. Changes asked for while a round is in flight wait for
 * the next round. A round takes the head of each organization it touches (remembered, or read), builds
 * each organization's changes in order on the running head (so a refusal for lack of credits happens
 * per change, in order), and inserts all entries with one ordered insert: the entries before the
 * first that fails are committed, that one is decided as a single insert would be (an idempotency
 * clash is a replay of the earlier entry, a sequence clash sends the rest back to a head read
 * again), and the rest wait for the next round. Another process's appends are only ever noticed
 * through the sequence clash (or the periodic read, TRUST_ENTRIES); the unique `_id` and idempotency
 * index decide every race.
 */
export class LedgerWriter {
  private waiting: Waiting[] = [];
  private running = false;
  /** The last head this process read or wrote per organization; stale when another process appended. */
  private known = new Map<string, KnownHead>();
  /** Per organization, the entries this process wrote since the last multiple of `leaf`. */
  private tails = new Map<string, CreditEntryDoc[]>();

  constructor(
    private readonly db: Db,
    private readonly readHead: (db: Db, orgId: string) => Promise<Head>,
    /** Entries per usage-rollup leaf: an entry that completes one comes with the leaf's entries when this process wrote them all. */
    private readonly leaf: number,
  ) {}

  append(orgId: string, build: (head: Head) => EntryDraft, key?: string): Promise<AppendResult> {
    return new Promise((resolve, reject) => {
      this.waiting.push({ orgId, build, key, since: tick(), attempts: 0, resolve, reject });
      if (!this.running) void this.drain();
    });
  }

  forget(orgId: string): void {
    this.known.delete(orgId);
    this.tails.delete(orgId);
  }

  private remember(orgId: string, known: KnownHead) {
    this.known.delete(orgId);
    if (this.known.size >= MAX_KNOWN_HEADS) this.known.delete(this.known.keys().next().value as string);
    this.known.set(orgId, known);
  }

  private async drain() {
    this.running = true;
    while (this.waiting.length > 0) {
      const round = this.waiting.splice(0, MAX_ROUND);
      let again: Waiting[] = [];
      try {
        again = await this.commitRound(round);
      } catch (error) {
        // The outcome of the insert is unknown: every change of the round fails (a retry with the
        // same Idempotency-Key is safe), and the heads are read again.
        for (const waiting of round) {
          this.known.delete(waiting.orgId);
          waiting.reject(error);
        }
      }
      const retried = again.filter((waiting) => {
        if (waiting.attempts < MAX_ATTEMPTS) return true;
        this.known.delete(waiting.orgId);
        waiting.reject(new Error(`the ledger of ${waiting.orgId} is too busy; try again`));
        return false;
      });
      this.waiting.unshift(...retried);
    }
    this.running = false;
  }

  /** One round: settles what it decides and returns the changes to try again. */
  private async commitRound(round: Waiting[]): Promise<Waiting[]> {
    const byOrg = new Map<string, Waiting[]>();
    for (const waiting of round) {
      const changes = byOrg.get(waiting.orgId);
      if (changes) changes.push(waiting);
      else byOrg.set(waiting.orgId, [waiting]);
    }
    // A head this process wrote last is the likeliest to hold: its entries go first, so that an
    // organization another process is writing to (its head just read) does not stop the others'.
    const plans = (await Promise.all([...byOrg].map(([orgId, changes]) => this.plan(orgId, changes)))).sort(
      (a, b) => Number(a.base.written === undefined) - Number(b.base.written === undefined),
    );

    const entries = plans.flatMap((plan) => plan.entries);
    const stamp = tick();
    const { inserted, failure } = await insertEntries(this.db, entries);

    const again: Waiting[] = [];
    let offset = 0;
    for (const plan of plans) {
      const committed = Math.min(Math.max(inserted - offset, 0), plan.entries.length);
      const failed = failure !== undefined && inserted >= offset && inserted < offset + plan.entries.length;
      offset += plan.entries.length;
      const head = plan.heads[committed - 1];
      if (head) this.remember(plan.orgId, { head, stamp, written: (plan.base.written ?? 0) + committed });
      again.push(...(await this.settle(plan, committed, failed ? failure.error : undefined)));
    }
    return again;
  }

  /**
   * Builds an organization's changes on its head. A refusal on a remembered head that nothing in this
   * round confirms (no entry before it) could be stale: the head is read again and all rebuilt.
   */
  private async plan(orgId: string, changes: Waiting[]): Promise<Plan> {
    let known = this.known.get(orgId);
    if (known && (known.written ?? 0) >= TRUST_ENTRIES) known = await this.readAfter(orgId, known.head);
    for (;;) {
      if (!known) {
        const stamp = tick();
        known = { head: await this.readHead(this.db, orgId), stamp };
        this.remember(orgId, known);
      }
      const plan = build(orgId, changes, known);
      if (plan) return plan;
      known = undefined;
    }
  }

  /** The head after `head`: the log read forward from it (entries are never removed, so it can only move on). */
  private async readAfter(orgId: string, head: Head): Promise<KnownHead> {
    const stamp = tick();
    let { seq, balance } = head;
    for (;;) {
      const chain = await readChain(this.db, orgId, seq, WALK);
      const last = chain.at(-1);
      if (last) ({ seq, balanceAfter: balance } = last);
      if (chain.length < WALK) break;
    }
    const known = { head: { ...head, seq, balance }, stamp };
    this.remember(orgId, known);
    return known;
  }

  /** Settles the changes of a plan whose first `committed` entries are in the log; `error` stopped the next. */
  private async settle(plan: Plan, committed: number, error: unknown): Promise<Waiting[]> {
    const replays = await this.earlierUses(plan, committed, error);
    const outcome = error === undefined ? undefined : await this.decideClash(plan, committed, error, replays);
    const again: Waiting[] = [];
    let entryIndex = 0;
    for (const step of plan.steps) {
      if ('entry' in step) {
        const index = entryIndex++;
        const earlier = replays.get(step.entry.idempotencyKey);
        if (index < committed)
          step.waiting.resolve({ entry: step.entry, replayed: false, leaf: this.wrote(step.entry) });
        else if (earlier) step.waiting.resolve({ entry: earlier, replayed: true });
        else if (index === committed && outcome === 'failed') step.waiting.reject(error);
        else again.push(step.waiting);
      } else if ('refusal' in step) {
        // Refused on the head after the entries before it: final once they are all in the log, unless
        // its key was charged before (a replay is answered with its entry, whatever the balance now).
        const earlier = step.waiting.key === undefined ? undefined : replays.get(step.waiting.key);
        if (step.entriesBefore > committed) again.push(step.waiting);
        else if (earlier) step.waiting.resolve({ entry: earlier, replayed: true });
        else step.waiting.reject(step.refusal);
      } else {
        const first = plan.entries[step.sameKeyAs] as CreditEntryDoc;
        const earlier = replays.get(first.idempotencyKey);
        if (step.sameKeyAs < committed) step.waiting.resolve({ entry: first, replayed: true });
        else if (earlier) step.waiting.resolve({ entry: earlier, replayed: true });
        else again.push(step.waiting);
      }
    }
    // A failure nothing explains (no entry at its sequence number, no earlier use of its key) counts
    // against every change left of this organization.
    if (outcome === 'unexplained') for (const waiting of again) waiting.attempts += 1;
    return again;
  }

  /** Keeps an entry this process committed; returns the leaf it completes when this process wrote all of it. */
  private wrote(entry: CreditEntryDoc): CreditEntryDoc[] | undefined {
    const tail = this.tails.get(entry.orgId) ?? [];
    this.tails.delete(entry.orgId);
    if (this.tails.size >= MAX_TAILS) this.tails.delete(this.tails.keys().next().value as string);
    const first = entry.seq - ((entry.seq - 1) % this.leaf);
    const kept = [...tail.filter((e) => e.seq >= first && e.seq < entry.seq), entry];
    if (entry.seq % this.leaf !== 0) {
      this.tails.set(entry.orgId, kept);
      return undefined;
    }
    return kept.length === this.leaf ? kept : undefined;
  }

  /**
   * Earlier entries of the keys this round could not place, looked up at once: the keys of final
   * refusals, and after a duplicate-key error the keys of every entry not inserted (so that a group of
   * replays costs one round, not one each). Nothing is read when every change found its place.
   */
  private async earlierUses(plan: Plan, committed: number, error: unknown): Promise<Map<string, CreditEntryDoc>> {
    const keys = plan.steps.flatMap((step) =>
      'refusal' in step && step.entriesBefore <= committed && step.waiting.key !== undefined ? [step.waiting.key] : [],
    );
    if (error !== undefined && isDuplicateKeyError(error))
      keys.push(...plan.entries.slice(committed).map((entry) => entry.idempotencyKey));
    return keys.length === 0 ? new Map() : findEntriesByIdempotencyKeys(this.db, plan.orgId, keys);
  }

  /**
   * Why entry `index` of a plan was not inserted: an earlier use of its key (`replayed`), another
   * process's entry at its sequence number (`explained`: the log is read forward to the new head),
   * neither (`unexplained`), or another error (`failed`: that change fails alone).
   */
  private async decideClash(plan: Plan, index: number, error: unknown, replays: Map<string, CreditEntryDoc>) {
    if (!isDuplicateKeyError(error)) return 'failed' as const;
    const failed = plan.entries[index] as CreditEntryDoc;
    if (replays.has(failed.idempotencyKey)) return 'replayed' as const;
    const after = await this.readAfter(plan.orgId, plan.heads[index - 1] ?? plan.base.head);
    return after.head.seq >= failed.seq ? ('explained' as const) : ('unexplained' as const);
  }
}

/** The plan of an organization's changes on a head; undefined when a refusal needs a fresher head. */
function build(orgId: string, changes: Waiting[], known: KnownHead): Plan | undefined {
  const steps: Step[] = [];
  const entries: CreditEntryDoc[] = [];
  const heads: Head[] = [];
  const byKey = new Map<string, number>();
  let head = known.head;
  for (const waiting of changes) {
    let draft: EntryDraft;
    try {
      draft = waiting.build(head);
    } catch (refusal) {
      if (entries.length === 0 && known.stamp < waiting.since) return undefined;
      steps.push({ waiting, refusal, entriesBefore: entries.length });
      continue;
    }
    const sameKeyAs = byKey.get(draft.idempotencyKey);
    if (sameKeyAs !== undefined) {
      steps.push({ waiting, sameKeyAs });
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
    head = { ...head, seq, balance: entry.balanceAfter };
    byKey.set(draft.idempotencyKey, entries.length);
    entries.push(entry);
    heads.push(head);
    steps.push({ waiting, entry });
  }
  return { orgId, base: known, steps, entries, heads };
}
