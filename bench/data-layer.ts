// `npm run bench` (data layer): every admin list page, revoking a connected app, removing a member and
// the expired-record sweep, first on a small installation and then on a large one (bench/seed-scale.ts
// plus bench/seed-data-layer.ts: 1,000,000 tokens, 100,000 memberships, one organization of 50,000
// members, 1,000,000 audit entries, 1,000,000 ledger entries, 500,000 expired records). Orgauth runs
// in this process on a throw-away FerretDB; requests are sent one at a time with the owner's API key.
// Writes bench/results/data-layer.{json,md}. BENCH_SCALE=0 skips the large installation.

import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import Router from '@koa/router';
import Koa from 'koa';
import '../src/oidc/notices.js';
import { createApiKey } from '../src/apikeys/service.js';
import { loadConfig } from '../src/config.js';
import { createLogger } from '../src/logger.js';
import { registerOrgClient } from '../src/oidc/clients.js';
import { issueOrgBoundGrant } from '../src/oidc/interactions/org-choice.js';
import { approve } from '../src/orgs/approvals.js';
import { createInvitation } from '../src/orgs/invitations.js';
import { addMember } from '../src/orgs/service.js';
import { requireOrgToken, revocationFeed } from '../src/resource/index.js';
import { startServer } from '../src/server.js';
import { openStores } from '../src/stores/index.js';
import { repoRoot } from '../src/stores/local/index.js';
import { sweepExpiredAcrossOrganizations } from '../src/stores/sweep.js';
import { createTeam } from '../src/teams/service.js';
import { signUp } from '../src/users/service.js';
import { basicOf, encode, form, JWT_API, orgauthFixture, REDIRECT_URI } from './fixture.js';
import { mintRefreshTokens } from './mint.js';
import { DATA_LAYER_SCALE, seedDataLayer, seedExpired, seedMembers } from './seed-data-layer.js';
import { SCALE, seedScale } from './seed-scale.js';
import { benchServices } from './services.js';

const AT_SCALE = process.env.BENCH_SCALE !== '0';
const LOAD_AT_START = Math.round((loadavg()[0] ?? 0) * 10) / 10;
const SAMPLES = Number(process.env.BENCH_LIST_SAMPLES ?? 200);
const progress = (line: string) => process.stderr.write(`${line}\n`);

const services = await benchServices('data');
const config = loadConfig(services.env);
const logger = createLogger(config);
const stores = await openStores(config, logger);
const server = await startServer(config, stores, logger);
const { provider } = server.oidc;
const { db } = stores;
const fixture = await orgauthFixture(provider, db);
const api = `${server.url}/api/v1/orgs/${fixture.orgId}`;
const asOwner = { authorization: `Bearer ${fixture.apiKey}` };

// A page and more of every list in the bench organization, through Orgauth's services.
for (let i = 0; i < (process.env.BENCH_PART ? 0 : 60); i++) {
  const person = await signUp(db, {
    email: `bench-member-${i}-${Date.now()}@orgauth.test`,
    password: 'bench-password',
  });
  await addMember(db, fixture.orgId, person._id, 'member');
  await createApiKey(db, { orgId: fixture.orgId, userId: fixture.ownerId }, { name: `key ${i}` });
  await createTeam(db, { name: `Team ${i}`, orgId: fixture.orgId });
  await createInvitation(
    db,
    { orgId: fixture.orgId, invitedBy: fixture.ownerId, standing: 'owner' },
    { email: `invitee-${i}@orgauth.test`, role: 'member' },
  );
  const app = await registerOrgClient(provider, db, {
    orgId: fixture.orgId,
    name: `App ${i}`,
    redirectUris: [REDIRECT_URI],
  });
  const thirdParty = await registerOrgClient(provider, db, { name: `Tool ${i}`, redirectUris: [REDIRECT_URI] });
  await approve(db, fixture.orgId, 'client', thirdParty.client_id, fixture.ownerId);
  await issueOrgBoundGrant(provider, db, {
    userId: fixture.ownerId,
    clientId: app.client_id,
    orgId: fixture.orgId,
    details: { missingOIDCScope: ['openid'] },
  });
  await fetch(`${api}/credits/debits`, {
    method: 'POST',
    headers: { ...asOwner, 'content-type': 'application/json', 'idempotency-key': `fill-${i}` },
    body: JSON.stringify({ amount: 1, description: 'bench' }),
  }).then((r) => r.arrayBuffer());
}

const LISTS: Array<[name: string, path: string]> = [
  ['members', '/members?limit=50'],
  ['invitations', '/invitations?limit=50'],
  ['teams', '/teams?limit=50'],
  ['API keys', '/api-keys?limit=50'],
  ['clients', '/clients?limit=50'],
  ['connected apps', '/connected-apps?limit=50'],
  ['approvals', '/approvals/client?limit=50'],
  ['audit log', '/audit?limit=50'],
  ['transactions', '/credits/transactions?limit=50'],
  ['usage report', '/credits/usage'],
];

interface ListRow {
  data: string;
  list: string;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  samples: number;
  statuses: number[];
}

const percentile = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? 0;
const round = (ms: number) => Math.round(ms * 10) / 10;

async function timed(url: string, init: RequestInit = {}) {
  const started = performance.now();
  const answer = await fetch(url, { ...init, headers: { ...asOwner, ...(init.headers ?? {}) } });
  const body = await answer.text();
  return { ms: performance.now() - started, status: answer.status, body };
}

/** First pages, and second pages through the cursor when the list has one. */
async function listTimings(data: string, only?: string): Promise<ListRow[]> {
  const rows: ListRow[] = [];
  for (const [list, path] of LISTS.filter(([name]) => !only || name === only)) {
    const first = await timed(`${api}${path}`);
    const cursor = (JSON.parse(first.body || '{}') as { nextCursor?: string | null }).nextCursor;
    const times: number[] = [];
    const statuses = new Set<number>([first.status]);
    for (let i = 0; i < SAMPLES; i++) {
      const next = cursor && i % 4 === 3 ? `&cursor=${encodeURIComponent(cursor)}` : '';
      const answer = await timed(`${api}${path}${next}`);
      times.push(answer.ms);
      statuses.add(answer.status);
    }
    times.sort((a, b) => a - b);
    rows.push({
      data,
      list,
      p50Ms: round(percentile(times, 50)),
      p99Ms: round(percentile(times, 99)),
      maxMs: round(times.at(-1) ?? 0),
      samples: times.length,
      statuses: [...statuses],
    });
    progress(`${data} ${list}: p50 ${rows.at(-1)?.p50Ms} ms, p99 ${rows.at(-1)?.p99Ms} ms`);
  }
  return rows;
}

// A resource server as its authors run it: requireOrgToken with the revocation feed.
const feed = revocationFeed({
  redisUrl: config.redisUrl,
  keyPrefix: config.redisKeyPrefix,
  logger: { warn: () => {} },
});
const resource = new Koa();
const routes = new Router();
routes.get(
  '/orgs/:orgId/things',
  requireOrgToken({
    issuer: config.issuer,
    audience: JWT_API,
    org: (ctx) => ctx.params.orgId,
    revocation: feed,
    introspection: { clientId: fixture.worker.id, clientSecret: fixture.worker.secret, maxCacheSeconds: 600 },
  }),
  (ctx) => {
    ctx.body = { ok: true };
  },
);
resource.use(routes.routes());
const resourceServer = createServer(resource.callback());
await new Promise<void>((resolve) => resourceServer.listen(0, '127.0.0.1', resolve));
const resourceAddress = resourceServer.address();
const thingsUrl = `http://127.0.0.1:${typeof resourceAddress === 'object' && resourceAddress ? resourceAddress.port : 0}/orgs/${fixture.orgId}/things`;
const resourceStatus = (credential: string) =>
  fetch(thingsUrl, { headers: { authorization: `Bearer ${credential}` } }).then(async (r) => {
    await r.arrayBuffer();
    return r.status;
  });

async function untilRefused(credential: string, since: number): Promise<number> {
  for (;;) {
    if ((await resourceStatus(credential)) === 401) return performance.now() - since;
    if (performance.now() - since > 30_000) return Number.POSITIVE_INFINITY;
    await new Promise((r) => setTimeout(r, 10));
  }
}

interface SweepRow {
  data: 'small' | 'large';
  deleted: number;
  totalMs: number;
  batches: number;
  maxBatchMs: number;
  failures: string[];
}

interface DataLayerReport {
  date: string;
  scale: (typeof SCALE & typeof DATA_LAYER_SCALE) | null;
  seeding: Record<string, unknown> | null;
  lists: ListRow[];
  revocations: RevocationRow[];
  sweeps: SweepRow[];
  /** Load average (1 min) when the measured part started and ended: other work shares the CPUs. */
  loadAverage?: { start: number; end: number };
}

interface RevocationRow {
  data: 'small' | 'large';
  action: string;
  callMs: number[];
  refusedAfterMs: number[];
}

/** A JWT access token of a new grant of a new app: what revoking the connected app must end. */
async function connectedAppWithToken() {
  const app = await registerOrgClient(provider, db, { name: 'Revoked app', redirectUris: [REDIRECT_URI] });
  const grantId = await issueOrgBoundGrant(provider, db, {
    userId: fixture.ownerId,
    clientId: app.client_id,
    orgId: fixture.orgId,
    details: { missingOIDCScope: ['openid', 'offline_access'], missingResourceScopes: { [JWT_API]: ['read'] } },
  });
  const [refreshToken] = await mintRefreshTokens(provider, {
    accountId: fixture.ownerId,
    clientId: app.client_id,
    grantId,
    redirectUri: REDIRECT_URI,
    resource: JWT_API,
    count: 1,
  });
  const answer = await fetch(`${server.url}/token`, {
    method: 'POST',
    headers: { authorization: basicOf({ id: app.client_id, secret: app.client_secret ?? '' }), ...form },
    body: encode({ grant_type: 'refresh_token', refresh_token: refreshToken ?? '', resource: JWT_API }),
  });
  const { access_token: token } = (await answer.json()) as { access_token: string };
  return { grantId, token };
}

async function revocationTimings(data: 'small' | 'large'): Promise<RevocationRow[]> {
  const revoke: RevocationRow = { data, action: 'revoke a connected app', callMs: [], refusedAfterMs: [] };
  const remove: RevocationRow = { data, action: 'remove a member', callMs: [], refusedAfterMs: [] };
  for (let i = 0; i < 5; i++) {
    const { grantId, token } = await connectedAppWithToken();
    if ((await resourceStatus(token)) !== 200) throw new Error('the connected app’s token is not accepted');
    const started = performance.now();
    const answer = await timed(`${api}/connected-apps/${grantId}`, { method: 'DELETE' });
    if (answer.status !== 204) throw new Error(`revoking answered ${answer.status}: ${answer.body}`);
    revoke.callMs.push(round(answer.ms));
    revoke.refusedAfterMs.push(round(await untilRefused(token, started)));

    const person = await signUp(db, { email: `removed-${i}-${Date.now()}@orgauth.test`, password: 'bench-password' });
    await addMember(db, fixture.orgId, person._id, 'member');
    const { key } = await createApiKey(db, { orgId: fixture.orgId, userId: person._id }, { name: 'removed' });
    if ((await resourceStatus(key)) !== 200) throw new Error('the member’s key is not accepted');
    const removing = performance.now();
    const removed = await timed(`${api}/members/${person._id}`, { method: 'DELETE' });
    if (removed.status !== 204) throw new Error(`removing answered ${removed.status}: ${removed.body}`);
    remove.callMs.push(round(removed.ms));
    remove.refusedAfterMs.push(round(await untilRefused(key, removing)));
  }
  progress(`${data} revoke: ${revoke.callMs.join(', ')} ms; refused after ${revoke.refusedAfterMs.join(', ')} ms`);
  progress(`${data} remove: ${remove.callMs.join(', ')} ms; refused after ${remove.refusedAfterMs.join(', ')} ms`);
  return [revoke, remove];
}

async function sweepTiming(data: 'small' | 'large'): Promise<SweepRow> {
  const batches: number[] = [];
  const failures: string[] = [];
  const started = performance.now();
  const deleted = await sweepExpiredAcrossOrganizations(db, new Date(), (_collection, _count, ms) =>
    batches.push(ms),
  ).catch((error: Error) => {
    failures.push(error.message.slice(0, 300));
    return 0;
  });
  const row = {
    data,
    deleted,
    totalMs: Math.round(performance.now() - started),
    batches: batches.length,
    maxBatchMs: round(Math.max(0, ...batches)),
    failures,
  };
  progress(`${data} sweep: ${JSON.stringify(row)}`);
  return row;
}

const outDir = join(repoRoot, 'bench', 'results');
let report: DataLayerReport;
if (process.env.BENCH_PART === 'big-org') {
  // One organization ten times the size of the full run's: its members list, into the last results.
  const previous = JSON.parse(readFileSync(join(outDir, 'data-layer.json'), 'utf8')) as DataLayerReport;
  const members = DATA_LAYER_SCALE.bigOrgMembers * 10;
  progress(`seeding ${members} members into one organization...`);
  await seedMembers(db, fixture.orgId, members);
  const label = `one organization of ${members.toLocaleString('en')} members`;
  report = {
    ...previous,
    date: new Date().toISOString(),
    lists: [...previous.lists.filter((row) => row.data !== label), ...(await listTimings(label, 'members'))],
  };
} else if (process.env.BENCH_PART === 'sweep') {
  // Only the sweep at size, into the last full run's results (its other rows stay).
  const previous = existsSync(join(outDir, 'data-layer.json'))
    ? (JSON.parse(readFileSync(join(outDir, 'data-layer.json'), 'utf8')) as DataLayerReport)
    : undefined;
  progress(`seeding ${DATA_LAYER_SCALE.expired} expired records...`);
  await seedExpired(db, SCALE.organizations, DATA_LAYER_SCALE.expired);
  const sweep = await sweepTiming('large');
  report = {
    date: new Date().toISOString(),
    scale: previous?.scale ?? null,
    seeding: previous?.seeding ?? null,
    lists: previous?.lists ?? [],
    revocations: previous?.revocations ?? [],
    sweeps: [...(previous?.sweeps ?? []).filter((row) => row.data !== 'large'), sweep],
  };
} else {
  const lists = await listTimings('small');
  const revocations = await revocationTimings('small');
  const sweeps = [await sweepTiming('small')];
  let seeding: Record<string, unknown> | undefined;
  if (AT_SCALE) {
    progress(`seeding ${JSON.stringify({ ...SCALE, ...DATA_LAYER_SCALE })}...`);
    seeding = {
      ...(await seedScale(db)),
      ...(await seedDataLayer(db, { orgId: fixture.orgId, organizations: SCALE.organizations })),
    };
    lists.push(...(await listTimings('large')));
    revocations.push(...(await revocationTimings('large')));
    sweeps.push(await sweepTiming('large'));
  }
  report = {
    date: new Date().toISOString(),
    scale: AT_SCALE ? { ...SCALE, ...DATA_LAYER_SCALE } : null,
    seeding: seeding ?? null,
    lists,
    revocations,
    sweeps,
  };
}
report.loadAverage = { start: LOAD_AT_START, end: round(loadavg()[0] ?? 0) };
mkdirSync(outDir, { recursive: true });
writeFileSync(join(outDir, 'data-layer.json'), `${JSON.stringify(report, null, 2)}\n`);
writeFileSync(join(outDir, 'data-layer.md'), dataLayerMarkdown(report));
process.stdout.write(dataLayerMarkdown(report));

function dataLayerMarkdown(r: DataLayerReport): string {
  const s = r.scale;
  const by = (data: string) => (list: string) => r.lists.find((row) => row.data === data && row.list === list);
  const small = by('small');
  const large = by('large');
  const cell = (row?: ListRow) => (row ? `${row.p50Ms} / ${row.p99Ms}` : '–');
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;
  return [
    `## Data layer (${r.date})`,
    '',
    s
      ? `Large = ${s.organizations.toLocaleString('en')} organizations, ${s.memberships.toLocaleString('en')} memberships plus one organization of ${s.bigOrgMembers.toLocaleString('en')} members (the one listed), ${s.tokens.toLocaleString('en')} stored tokens, ${s.audit.toLocaleString('en')} audit entries, ${s.ledger.toLocaleString('en')} ledger entries, ${s.expired.toLocaleString('en')} expired records. Orgauth in process on FerretDB (SQLite), one request at a time, ${SAMPLES} samples per list (every fourth a second page).`
      : 'Small installation only (BENCH_SCALE=0).',
    ...(r.loadAverage
      ? [
          '',
          `2 CPUs shared with other work: load average ${r.loadAverage.start} at the start, ${r.loadAverage.end} at the end.`,
        ]
      : []),
    '',
    '| admin list (GET …, 50 per page) | small p50 / p99 ms | large p50 / p99 ms | statuses |',
    '|---|---|---|---|',
    ...LISTS.map(
      ([list]) =>
        `| ${list} | ${cell(small(list))} | ${cell(large(list))} | ${[...new Set([...(small(list)?.statuses ?? []), ...(large(list)?.statuses ?? [])])].join(', ')} |`,
    ),
    ...r.lists
      .filter((row) => row.data !== 'small' && row.data !== 'large')
      .map((row) => `| ${row.list}, ${row.data} | – | ${row.p50Ms} / ${row.p99Ms} | ${row.statuses.join(', ')} |`),
    '',
    '| action (5 times) | data | API call ms (median, max) | requireOrgToken refuses after ms (median, max) |',
    '|---|---|---|---|',
    ...r.revocations.map(
      (row) =>
        `| ${row.action} | ${row.data} | ${median(row.callMs)}, ${Math.max(...row.callMs)} | ${median(row.refusedAfterMs)}, ${Math.max(...row.refusedAfterMs)} |`,
    ),
    '',
    '| expired-record sweep | records deleted | total ms | batches | slowest batch ms | failures |',
    '|---|---|---|---|---|---|',
    ...r.sweeps.map(
      (row) =>
        `| ${row.data} | ${row.deleted} | ${row.totalMs} | ${row.batches} | ${row.maxBatchMs} | ${row.failures.join('; ') || 'none'} |`,
    ),
    '',
  ].join('\n');
}

feed.close?.();
resourceServer.close();
await server.close();
await services.stop();
process.exit(0);
