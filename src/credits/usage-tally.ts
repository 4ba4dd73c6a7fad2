import type { UsageEntry } from './store.js';

type Id = string | null;

/** A debit as rollups keep it: when, how many units, and who spent them. */
export type Debit = [at: number, units: number, userId: Id, keyId: Id, teamId: Id, clientId: Id];

/** Units per id, for members, keys, teams and clients in that order; ids sorted. */
export type Sums = [Array<[string, number]>, Array<[string, number]>, Array<[string, number]>, Array<[string, number]>];

export function debitOf(entry: UsageEntry): Debit | undefined {
  if (entry.kind !== 'debit') return undefined;
  const { userId = null, keyId = null, teamId = null, clientId = null } = entry;
  return [entry.at.getTime(), -entry.amount, userId, keyId, teamId, clientId];
}

const byId = ([a]: [string, number], [b]: [string, number]) => (a < b ? -1 : 1);

/** Debits added up (and rollups added or taken away): in all and per member, key, team and client. */
export class UsageTally {
  total = 0;
  private readonly units = [0, 1, 2, 3].map(() => new Map<string, number>());

  private add(dimension: number, id: string, units: number) {
    const map = this.units[dimension] as Map<string, number>;
    map.set(id, (map.get(id) ?? 0) + units);
  }

  addDebit(debit: Debit): void {
    this.total += debit[1];
    for (let dimension = 0; dimension < 4; dimension++) {
      const id = debit[2 + dimension] as Id;
      if (id) this.add(dimension, id, debit[1]);
    }
  }

  addSums(total: number, sums: Sums, sign: 1 | -1): void {
    this.total += sign * total;
    for (const [dimension, list] of sums.entries())
      for (const [id, units] of list) this.add(dimension, id, sign * units);
  }

  /** Ids whose units cancelled out (a rollup taken away again) spent nothing here. */
  private entries(dimension: number): Array<[string, number]> {
    return [...(this.units[dimension] as Map<string, number>)].filter(([, units]) => units !== 0);
  }

  sums(): Sums {
    return [0, 1, 2, 3].map((dimension) => this.entries(dimension).sort(byId)) as Sums;
  }

  /** Largest first (ties by id). */
  private totals(dimension: number) {
    return this.entries(dimension)
      .sort((a, b) => b[1] - a[1] || byId(a, b))
      .map(([id, amount]) => ({ id, amount }));
  }

  report() {
    return {
      total: this.total,
      byMember: this.totals(0),
      byKey: this.totals(1),
      byTeam: this.totals(2),
      byClient: this.totals(3),
    };
  }
}
