// The usage report (`GET …/credits/usage`) at a large ledger: BENCH_USAGE_ENTRIES entries (default
// 1,000,000) in one organization, written raw with insertMany in batches of 5,000 into a throw-away
// FerretDB, as Orgauth writes them (entry `seq` carries the balance after it; `at` one second apart).
// The seeding bypasses the debit path, so no rollup exists: the first report builds them all (timed
// apart), later reports read them. Then the report is timed for the whole log and for random periods
// (also with no rollup kept in the process's memory).
//   node --import tsx bench/usage-report.ts
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { entryId } from '../src/credits/model.js';
import { usageReport } from '../src/credits/service.js';
import { createOrganization } from '../src/orgs/service.js';
import { createDb } from '../src/stores/db.js';
import { ensureIndexes } from '../src/stores/indexes.js';
import { startFerretDb } from '../src/stores/local/ferretdb.js';
import { repoRoot } from '../src/stores/local/index.js';
import { connectMongo } from '../src/stores/mongo.js';
import { signUp } from '../src/users/service.js';

const ENTRIES = Number(process.env.BENCH_USAGE_ENTRIES ?? 1_000_000);
const BATCH = 5_000;
const START = Date.UTC(2025, 0, 1);
const SECOND = 1_000;

const id = (prefix: string, n: number) => `${prefix}_bench${String(n).padStart(4, '0')}`;

function percentiles(samples: number[]) {
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (p: number) => sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]?.toFixed(1);
  return `p50 ${at(0.5)} ms, p90 ${at(0.9)} ms, max ${at(1)} ms (${samples.length} reports)`;
}

async function timed<T>(work: () => Promise<T>): Promise<[T, number]> {
  const started = performance.now();
  const result = await work();
  return [result, performance.now() - started];
}

const dataDir = mkdtempSync(join(tmpdir(), 'orgauth-bench-usage-'));
const ferret = await startFerretDb({ root: repoRoot, dataDir });
const connection = await connectMongo(`${ferret.uri}benchusage`);
try {
  const db = createDb(connection);
  await ensureIndexes(db);
  const owner = await signUp(db, { email: 'usage-bench@orgauth.test', password: 'bench-password' });
  const org = await createOrganization(db, { name: 'Usage Bench Co' }, owner._id);
  const entries = connection.collection('credit_entries');

  const [, seeding] = await timed(async () => {
    for (let first = 1; first <= ENTRIES; first += BATCH) {
      const docs = [];
      for (let seq = first; seq < Math.min(ENTRIES + 1, first + BATCH); seq++) {
        const debit = seq > 1;
        docs.push({
          _id: entryId(org._id, seq),
          orgId: org._id,
          seq,
          kind: debit ? 'debit' : 'credit',
          amount: debit ? -1 : ENTRIES,
          balanceAfter: ENTRIES - (seq - 1),
          description: debit ? 'tools/call' : 'opening balance',
          idempotencyKey: `bench-${seq}`,
          requestHash: 'bench',
          at: new Date(START + seq * SECOND),
          actorType: debit ? 'api_key' : 'system',
          actorId: debit ? id('key', seq % 40) : 'bench',
          userId: debit && seq % 5 ? id('usr', seq % 20) : null,
          keyId: debit && seq % 5 ? id('key', seq % 40) : null,
          teamId: debit && seq % 3 === 0 ? id('team', seq % 4) : null,
          clientId: debit && seq % 5 === 0 ? id('cli', seq % 6) : null,
          grantId: null,
          resource: null,
          requestId: null,
        });
      }
      await entries.insertMany(docs as never[], { ordered: false });
    }
    await connection
      .collection('credit_accounts')
      .insertOne({ _id: org._id as never, seq: ENTRIES, balance: 1, overdraftLimit: 0, updatedAt: new Date() });
  });
  process.stdout.write(`seeded ${ENTRIES} entries in one organization in ${(seeding / 1000).toFixed(0)} s\n`);

  const [all, firstReport] = await timed(() => usageReport(db, org._id, {}));
  process.stdout.write(
    `first report (builds every rollup): ${(firstReport / 1000).toFixed(1)} s, total ${all.total}\n`,
  );

  const whole: number[] = [];
  for (let i = 0; i < 30; i++) whole.push((await timed(() => usageReport(db, org._id, {})))[1]);
  process.stdout.write(`whole log: ${percentiles(whole)}\n`);

  // Periods with edges at random entries (and a second past them), as a console's date pickers give.
  let state = 42;
  const random = () => {
    state = (state * 1_103_515_245 + 12_345) % 2 ** 31;
    return state / 2 ** 31;
  };
  const someTime = () => new Date(START + Math.floor(random() * ENTRIES) * SECOND + Math.floor(random() * SECOND));
  const periods: number[] = [];
  const cold: number[] = [];
  for (let i = 0; i < 100; i++) {
    const [a, b] = [someTime(), someTime()];
    const period = a < b ? { from: a, to: b } : { from: b, to: a };
    periods.push((await timed(() => usageReport(db, org._id, period)))[1]);
    // A new handle keeps no rollups in memory: every rollup the report needs is read from the database.
    const fresh = createDb(connection);
    cold.push((await timed(() => usageReport(fresh, org._id, period)))[1]);
  }
  process.stdout.write(`random periods: ${percentiles(periods)}\n`);
  process.stdout.write(`random periods, no rollup kept in memory: ${percentiles(cold)}\n`);

  const lastDay: number[] = [];
  const end = new Date(START + ENTRIES * SECOND);
  for (let i = 0; i < 30; i++) {
    const period = { from: new Date(end.getTime() - 86_400 * SECOND), to: end };
    lastDay.push((await timed(() => usageReport(db, org._id, period)))[1]);
  }
  process.stdout.write(`the last day: ${percentiles(lastDay)}\n`);
} finally {
  await connection.close();
  await ferret.stop();
  rmSync(dataDir, { recursive: true, force: true });
}
