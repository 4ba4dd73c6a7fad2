// `npm run bench` (credits part): debits per second through the admin API, for one hot organization
// and for 100 organizations at once. Orgauth runs as its own process (dist/main.js) on a throw-away
// FerretDB database; autocannon sends debits with fresh Idempotency-Keys over 32 connections. Each
// run reports the CPU time per debit of the server and of FerretDB; a second, shorter pass runs the
// server with the driver's command log on and counts the MongoDB commands per debit under the same
// load (grouped reads and writes counted per request).
//   BENCH_SECONDS (default 5)  length of each run
//   CREDITS_PROFILE=1          the server runs under --cpu-prof (bench/results/profiles/); its top
//                              self-time functions are printed after the runs
import { type ChildProcess, fork } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import autocannon from 'autocannon';
import { createApiKey } from '../src/apikeys/service.js';
import { loadConfig } from '../src/config.js';
import { addCredits, debitCredits } from '../src/credits/service.js';
import { verifyLedgers } from '../src/credits/verify.js';
import { createOrganization } from '../src/orgs/service.js';
import { openStores } from '../src/stores/index.js';
import { repoRoot } from '../src/stores/local/index.js';
import { signUp } from '../src/users/service.js';
import { printTopFunctions } from './profile-top.js';
import { benchServices, waitUntil } from './services.js';

const DURATION = Number(process.env.BENCH_SECONDS ?? 5);
const PROFILE = process.env.CREDITS_PROFILE === '1';
const CONNECTIONS = 32;
const outDir = join(repoRoot, 'bench', 'results');
const services = await benchServices('credits');
const { env, base } = services;
const stores = await openStores(loadConfig(env));
const loadAtStart = loadavg()[0] ?? 0;

/** CPU time (user + system) a process has used so far, in ms (Linux, 100 clock ticks a second). */
function cpuMs(pid: number | undefined): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

/** Orgauth in its own process; with `countCommands`, the MongoDB driver logs every command it sends. */
async function startServer(countCommands: boolean) {
  const server = fork(join(repoRoot, 'dist', 'main.js'), [], {
    env: {
      ...process.env,
      ...env,
      ...(countCommands ? { MONGODB_LOG_COMMAND: 'debug', MONGODB_LOG_PATH: 'stdout' } : {}),
    },
    execArgv: PROFILE && !countCommands ? ['--cpu-prof', `--cpu-prof-dir=${join(outDir, 'profiles')}`] : [],
    stdio: countCommands ? ['ignore', 'pipe', 'ignore', 'ipc'] : 'ignore',
  });
  const commands = new Map<string, number>();
  let partial = '';
  let lastOutput = Date.now();
  server.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
    lastOutput = Date.now();
    const lines = (partial + chunk).split('\n');
    partial = lines.pop() ?? '';
    for (const line of lines) {
      const started = /message: 'Command started'.*command: '\{"(\w+)":"([^"]+)"/.exec(line);
      if (started) commands.set(`${started[1]} ${started[2]}`, (commands.get(`${started[1]} ${started[2]}`) ?? 0) + 1);
    }
  });
  await waitUntil(`${base}/readyz`);
  /** Resolves once the command log has been quiet for a moment (every command of a run is counted). */
  const quiet = async () => {
    while (Date.now() - lastOutput < 500) await new Promise((resolve) => setTimeout(resolve, 100));
  };
  return { server, commands, quiet };
}

async function stopServer(server: ChildProcess) {
  const exited = new Promise((resolve) => server.once('exit', resolve));
  server.kill('SIGTERM');
  await exited;
}

async function fundedOrgs(count: number) {
  const orgs: Array<{ id: string; key: string }> = [];
  for (let i = 0; i < count; i++) {
    const user = await signUp(stores.db, { email: `bench-${count}-${i}@orgauth.test`, password: 'bench-password' });
    const org = await createOrganization(stores.db, { name: `Bench ${i}` }, user._id);
    await addCredits(
      stores.db,
      org._id,
      { amount: 1e9, description: 'bench' },
      { actor: { type: 'system', id: 'bench' } },
    );
    const { key } = await createApiKey(stores.db, { orgId: org._id, userId: user._id }, { name: 'bench' });
    orgs.push({ id: org._id, key });
  }
  return orgs;
}

type Org = { id: string; key: string };

async function debits(server: ChildProcess, orgs: Org[], label: string, connections = CONNECTIONS, seconds = DURATION) {
  let n = 0;
  const cpuBefore = { server: cpuMs(server.pid), db: cpuMs(services.dbPid) };
  const result = await autocannon({
    url: base,
    connections,
    duration: seconds,
    requests: [
      {
        method: 'POST',
        setupRequest: (request) => {
          n += 1;
          const org = orgs[n % orgs.length] as Org;
          return {
            ...request,
            path: `/api/v1/orgs/${org.id}/credits/debits`,
            headers: {
              'content-type': 'application/json',
              authorization: `Bearer ${org.key}`,
              'idempotency-key': `${label}-${n}`,
            },
            body: JSON.stringify({ amount: 1, description: 'bench' }),
          };
        },
      },
    ],
  });
  if (result.non2xx) throw new Error(`${label}: ${result.non2xx} answers were not 2xx`);
  const total = result.requests.total;
  const perDebit = (before: number, after: number) => Math.round(((after - before) * 1000) / Math.max(total, 1));
  return {
    debitsPerSecond: Math.round(total / result.duration),
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    total,
    errors: result.errors + result.timeouts,
    non2xx: result.non2xx,
    cpuUsPerDebit: {
      server: perDebit(cpuBefore.server, cpuMs(server.pid)),
      db: perDebit(cpuBefore.db, cpuMs(services.dbPid)),
    },
    rssMb: Math.round(
      Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${server.pid}/status`, 'utf8'))?.[1] ?? 0) / 1024,
    ),
  };
}

/**
 * The ledger alone: debits through the credits service in this process (no HTTP, authentication or
 * rate limits), 32 at a time, for the CPU the write path itself costs per debit.
 */
async function serviceOnly(orgs: Org[], label: string, seconds = DURATION) {
  const run = async (tag: string, ms: number) => {
    let n = 0;
    const until = Date.now() + ms;
    await Promise.all(
      Array.from({ length: CONNECTIONS }, async () => {
        while (Date.now() < until) {
          const i = n++;
          await debitCredits(
            stores.db,
            (orgs[i % orgs.length] as Org).id,
            { amount: 1, description: 'bench' },
            { actor: { type: 'system', id: 'bench' }, idempotencyKey: `${tag}-${i}` },
          );
        }
      }),
    );
    return n;
  };
  await run(`${label}-warm`, 3_000);
  const before = { self: process.cpuUsage(), db: cpuMs(services.dbPid) };
  const started = Date.now();
  const total = await run(label, seconds * 1_000);
  const elapsed = (Date.now() - started) / 1_000;
  const self = process.cpuUsage(before.self);
  return {
    debitsPerSecond: Math.round(total / elapsed),
    total,
    cpuUsPerDebit: {
      process: Math.round((self.user + self.system) / total),
      db: Math.round(((cpuMs(services.dbPid) - before.db) * 1000) / total),
    },
  };
}

/** MongoDB commands per debit under load: a short run with the driver's command log on. */
async function commandsPerDebit(orgs: Org[], label: string) {
  const { server, commands, quiet } = await startServer(true);
  await debits(server, orgs, `${label}-warm`, CONNECTIONS, 3);
  await quiet();
  commands.clear();
  const run = await debits(server, orgs, label, CONNECTIONS, Math.min(DURATION, 3));
  await quiet();
  await stopServer(server);
  const per = (n: number) => Math.round((n / run.total) * 100) / 100;
  const total = [...commands.values()].reduce((a, b) => a + b, 0);
  return {
    debits: run.total,
    perDebit: per(total),
    byCommand: Object.fromEntries([...commands].sort((a, b) => b[1] - a[1]).map(([name, n]) => [name, per(n)])),
  };
}

const hotOrg = await fundedOrgs(1);
const spreadOrgs = await fundedOrgs(100);
const { server } = await startServer(false);
// Each run measures the steady state: three seconds of the same load first, so that the server has
// read each organization's head once and completed its first rollup leaf (in a process, the first
// debit of an organization reads its head, and its first leaf is read back from the log; later ones
// are not).
await debits(server, [...hotOrg, ...spreadOrgs], 'warm', CONNECTIONS, 3);
const hotAtTwo = await debits(server, hotOrg, 'hot-2', 2);
const hot = await debits(server, hotOrg, 'hot');
const spread = await debits(server, spreadOrgs, 'spread');
await stopServer(server);
const ledgerOnly = {
  oneHotOrganization: await serviceOnly(hotOrg, 'service-hot'),
  hundredOrganizations: await serviceOnly(spreadOrgs, 'service-spread'),
};
const loadAtEnd = loadavg()[0] ?? 0;
const commands = {
  oneHotOrganization: await commandsPerDebit(hotOrg, 'count-hot'),
  hundredOrganizations: await commandsPerDebit(spreadOrgs, 'count-spread'),
};
const verify = await verifyLedgers(stores.db);

const report = {
  date: new Date().toISOString(),
  node: process.version,
  machine: { cpus: cpus().length, loadAverageAtStart: loadAtStart, loadAverageAtEnd: loadAtEnd },
  durationSeconds: DURATION,
  connections: CONNECTIONS,
  oneHotOrganizationTwoConnections: hotAtTwo,
  oneHotOrganization: hot,
  hundredOrganizations: spread,
  /** The credits service called in the bench's own process (no HTTP, authentication or rate limits). */
  ledgerOnly,
  /** MongoDB commands the server sent per debit, under 32 connections (a separate, shorter run). */
  commandsPerDebit: commands,
  ledgersVerified: verify.organizations,
  /** Entries that do not follow from the previous one: must be 0. */
  ledgerChainErrors: verify.reports.reduce((n, r) => n + r.chainErrors.length, 0),
  /** Cached heads behind their log (expected: the cache moves at each rollup leaf of 16 entries, and on reads). */
  cachesLagging: verify.reports.filter((r) => r.cacheBehind).length,
};
mkdirSync(outDir, { recursive: true });
writeFileSync(join(outDir, 'credits.json'), `${JSON.stringify(report, null, 2)}\n`);
type Run = typeof hot;
const row = (scenario: string, connections: number, r: Run, c?: { perDebit: number }) =>
  `| ${scenario} | ${connections} | ${r.debitsPerSecond} | ${r.p50Ms} | ${r.p99Ms} | ${r.total} | ${r.cpuUsPerDebit.server} | ${r.cpuUsPerDebit.db} | ${c?.perDebit ?? ''} |`;
const table = [
  '| scenario | connections | debits/s | p50 ms | p99 ms | debits | server CPU µs/debit | FerretDB CPU µs/debit | MongoDB commands/debit |',
  '|---|---|---|---|---|---|---|---|---|',
  row('one hot organization', 2, hotAtTwo),
  row('one hot organization', CONNECTIONS, hot, commands.oneHotOrganization),
  row('100 organizations', CONNECTIONS, spread, commands.hundredOrganizations),
].join('\n');
type Service = typeof ledgerOnly.oneHotOrganization;
const serviceRow = (scenario: string, r: Service) =>
  `| ${scenario} | ${CONNECTIONS} callers | ${r.debitsPerSecond} | ${r.total} | ${r.cpuUsPerDebit.process} | ${r.cpuUsPerDebit.db} |`;
const serviceTable = [
  '| ledger alone (debitCredits in-process) | concurrency | debits/s | debits | process CPU µs/debit | FerretDB CPU µs/debit |',
  '|---|---|---|---|---|---|',
  serviceRow('one hot organization', ledgerOnly.oneHotOrganization),
  serviceRow('100 organizations', ledgerOnly.hundredOrganizations),
].join('\n');
const breakdown = (label: string, c: { byCommand: Record<string, number> }) =>
  `- ${label}: ${Object.entries(c.byCommand)
    .map(([name, n]) => `${name} ${n}`)
    .join(', ')}`;
writeFileSync(
  join(outDir, 'credits.md'),
  `# Debits through the admin API (${report.date}, ${DURATION}s per run, FerretDB on SQLite)\n\n` +
    `${cpus().length} CPUs shared with other work; load average ${loadAtStart.toFixed(1)} at the start, ${loadAtEnd.toFixed(1)} after the runs.\n\n` +
    `${table}\n\nThe same debits through the credits service in the bench's own process, without HTTP, authentication and rate limits (what the ledger's write path costs by itself):\n\n${serviceTable}\n\nMongoDB commands per debit under 32 connections (a separate run with the driver's command log on; grouped reads and writes counted per debit):\n\n` +
    `${breakdown('one hot organization', commands.oneHotOrganization)}\n${breakdown('100 organizations', commands.hundredOrganizations)}\n\n` +
    `Afterwards ${verify.organizations} ledgers verified: ${report.ledgerChainErrors} chain errors; ${report.cachesLagging} cached heads behind their log, as designed (the cache moves at each rollup leaf of 16 entries, written behind the responses, and on reads).\n`,
);
process.stdout.write(`${table}\n\n${serviceTable}\n`);
if (PROFILE) printTopFunctions(join(outDir, 'profiles'), 25);

await stores.close();
await services.stop();
process.exit(0);
