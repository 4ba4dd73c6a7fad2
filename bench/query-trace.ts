// `npm run bench` (first part): which MongoDB and Redis commands one request of each hot path (and of a
// few admin paths) sends, and whether each MongoDB lookup is by `_id` — the only lookup FerretDB
// serves from an index; any other filter reads the whole collection. Orgauth runs in this process,
// with the driver's command monitoring and Redis MONITOR (keys of this run's prefix only). Redis is
// counted in round trips: a script call or a MULTI…EXEC is one, with the commands it ran listed under
// it. Writes bench/results/queries.{json,md}.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CommandStartedEvent } from 'mongodb';
import '../src/oidc/notices.js';
import { loadConfig } from '../src/config.js';
import { createLogger } from '../src/logger.js';
import { startServer } from '../src/server.js';
import { CATALOG } from '../src/stores/catalog.js';
import { openStores } from '../src/stores/index.js';
import { servingIndex } from '../src/stores/index-plan.js';
import { repoRoot } from '../src/stores/local/index.js';
import { shapesOfCommand, shapeText } from '../src/stores/query-shape.js';
import { flushWritesBehind } from '../src/stores/write-behind.js';
import { type Executed, monitorRedis } from '../test/support/redis-monitor.js';
import {
  authorizationQuery,
  basicOf,
  clientCredentialsToken,
  encode,
  form,
  JWT_API,
  OPAQUE_API,
  openSignIns,
  orgauthFixture,
  REDIRECT_URI,
} from './fixture.js';
import { CODE_VERIFIER } from './mint.js';
import { benchServices } from './services.js';

const services = await benchServices('trace');
// The MongoDB driver reports commands only when the query-shape log is on (src/stores/mongo.ts).
const shapeLog = mkdtempSync(join(tmpdir(), 'orgauth-trace-shapes-'));
const config = loadConfig({ ...services.env, QUERY_SHAPE_LOG: shapeLog });
const logger = createLogger(config);
const stores = await openStores(config, logger);
const server = await startServer(config, stores, logger);
const { provider } = server.oidc;
const base = server.url;
const fixture = await orgauthFixture(provider, stores.db);

/** One Redis round trip: a command, or a script call or MULTI…EXEC with the commands it ran. */
interface RoundTrip {
  command: string;
  inner: string[];
}
interface Traced {
  mongo: Array<{ command: string; byId: boolean }>;
  redis: RoundTrip[];
}
let recording: Traced | undefined;

const declared = new Map(CATALOG.map((c) => [c.name, c.indexes.map((i) => i.key)]));

/** Each read of a command, and whether a declared index serves it (what MongoDB and the patched FerretDB use). */
function describe(event: CommandStartedEvent): Traced['mongo'] {
  const command = event.command as Record<string, unknown>;
  const collection = String(command[event.commandName] ?? '');
  if (event.commandName === 'insert') {
    return [{ command: `insert ${collection} ×${(command.documents as unknown[]).length}`, byId: true }];
  }
  const shapes = shapesOfCommand(event.commandName, command);
  if (!shapes.length) return [];
  const texts = [...new Set(shapes.map(shapeText))];
  const served = shapes.every((shape) => servingIndex(declared.get(collection) ?? [], shape));
  const count = shapes.length > 1 ? ` ×${shapes.length}` : '';
  return [{ command: `${event.commandName} ${collection} ${texts.join(' ')}${count}`, byId: served }];
}
stores.db.connection.getClient().on('commandStarted', (event: CommandStartedEvent) => {
  recording?.mongo.push(...describe(event));
});

const prefix = config.redisKeyPrefix;
/** A command on this run's keys, ids elided; undefined for one on no key of this run. */
const shown = (args: string[]) => {
  const key = args.slice(1).find((a) => a.startsWith(prefix));
  if (!key) return undefined;
  const name = key.slice(prefix.length).replace(/(?<=:)[A-Za-z0-9_-]{16,}/g, '…');
  return `${args[0]?.toLowerCase()} ${name}`.replace(/"/g, '');
};
// Redis runs a script's commands (source 'lua') right after the call, and a transaction's at EXEC;
// MONITOR lists them in that order, so each is filed under the round trip that sent it.
const transactions = new Map<string, { trip: RoundTrip; ours: boolean }>();
let lastTrip: { trip: RoundTrip; ours: boolean } | undefined;
function file({ args, source }: Executed) {
  if (!recording) return;
  const command = args[0]?.toLowerCase() ?? '';
  const text = shown(args);
  const open = transactions.get(source);
  if (source === 'lua' || open) {
    const into = source === 'lua' ? lastTrip : open;
    if (into && text) {
      into.trip.inner.push(text);
      if (!into.ours) recording.redis.push(into.trip);
      into.ours = true;
    }
    if (command === 'exec' || command === 'discard') transactions.delete(source);
    return;
  }
  lastTrip = { trip: { command: text ?? command, inner: [] }, ours: text !== undefined };
  if (command === 'multi') transactions.set(source, lastTrip);
  else if (lastTrip.ours) recording.redis.push(lastTrip.trip);
}
const monitor = await monitorRedis(config.redisUrl, file);

interface Step {
  name: string;
  /** Sends one request; `warm` is the untraced one before it. */
  send(warm: boolean): Promise<Response>;
}

const post = (path: string, headers: Record<string, string>, body: string) =>
  fetch(`${base}${path}`, { method: 'POST', headers, body, redirect: 'manual' });
const asKey = { authorization: `Bearer ${fixture.apiKey}` };
const api = `${base}/api/v1/orgs/${fixture.orgId}`;
const opaque = await clientCredentialsToken(base, fixture.worker, OPAQUE_API);
const refreshTokens = await fixture.mint('refresh', 2);
const codes = await fixture.mint('codes', 2);
const signIns = await openSignIns(base, fixture.app.id, 2);
const grantsToRevoke = [await fixture.freshGrant(), await fixture.freshGrant()];
let debit = 0;

const steps: Step[] = [
  ...[JWT_API, OPAQUE_API].map((resource) => ({
    name: `client credentials, ${resource === JWT_API ? 'JWT' : 'opaque'} (POST /token)`,
    send: () =>
      post(
        '/token',
        { authorization: basicOf(fixture.worker), ...form },
        encode({ grant_type: 'client_credentials', resource, scope: 'read' }),
      ),
  })),
  {
    name: 'introspection, opaque (POST /token/introspection)',
    send: () =>
      post('/token/introspection', { authorization: basicOf(fixture.worker), ...form }, encode({ token: opaque })),
  },
  {
    name: 'refresh token rotation (POST /token)',
    send: (warm) =>
      post(
        '/token',
        { authorization: basicOf(fixture.app), ...form },
        encode({ grant_type: 'refresh_token', refresh_token: refreshTokens[warm ? 0 : 1] ?? '' }),
      ),
  },
  {
    name: 'authorization code exchange (POST /token)',
    send: (warm) =>
      post(
        '/token',
        { authorization: basicOf(fixture.app), ...form },
        encode({
          grant_type: 'authorization_code',
          code: codes[warm ? 0 : 1] ?? '',
          redirect_uri: REDIRECT_URI,
          code_verifier: CODE_VERIFIER,
          resource: JWT_API,
        }),
      ),
  },
  {
    name: 'start a sign-in (GET /auth)',
    send: () => fetch(`${base}/auth?${authorizationQuery(fixture.app.id, 'trace')}`, { redirect: 'manual' }),
  },
  {
    name: 'sign-in page (GET /interaction/:uid)',
    send: (warm) => {
      const page = signIns[warm ? 0 : 1];
      return fetch(`${base}${page?.path}`, { headers: { cookie: page?.cookie ?? '' } });
    },
  },
  {
    name: 'requireOrgToken, API key: Orgauth side (POST /api-keys/introspection)',
    send: () =>
      post(
        '/api-keys/introspection',
        { authorization: basicOf(fixture.worker), ...form },
        encode({ token: fixture.apiKey }),
      ),
  },
  {
    name: 'credit debit, API key (POST …/credits/debits)',
    send: () =>
      fetch(`${api}/credits/debits`, {
        method: 'POST',
        headers: { ...asKey, 'content-type': 'application/json', 'idempotency-key': `trace-${debit++}` },
        body: JSON.stringify({ amount: 1, description: 'bench' }),
      }),
  },
  { name: 'admin: list members (GET …/members)', send: () => fetch(`${api}/members?limit=50`, { headers: asKey }) },
  {
    name: 'admin: list connected apps (GET …/connected-apps)',
    send: () => fetch(`${api}/connected-apps`, { headers: asKey }),
  },
  {
    name: 'admin: credits usage report (GET …/credits/usage)',
    send: () => fetch(`${api}/credits/usage`, { headers: asKey }),
  },
  {
    name: 'admin: revoke a connected app (DELETE …/connected-apps/:grantId)',
    send: (warm) =>
      fetch(`${api}/connected-apps/${grantsToRevoke[warm ? 0 : 1]}`, { method: 'DELETE', headers: asKey }),
  },
];

const settle = () => new Promise((resolve) => setTimeout(resolve, 150));
const traces: Array<{ name: string; status: number } & Traced> = [];
for (const step of steps) {
  await (await step.send(true)).arrayBuffer();
  await settle();
  // The warm-up's counters and "last used" times, written a second later, are not this request's: written
  // now, before the count starts. The request's own are written a second after it, past the count (they are
  // aggregated over every request of that second).
  await flushWritesBehind(stores.db);
  const traced: Traced = { mongo: [], redis: [] };
  recording = traced;
  const answer = await step.send(false);
  await answer.arrayBuffer();
  await settle();
  recording = undefined;
  traces.push({ name: step.name, status: answer.status, ...traced });
}

// Grouped: the same command twice in one request shows as ×2.
const grouped = (items: string[]) => {
  const counts = new Map<string, number>();
  for (const item of items) counts.set(item, (counts.get(item) ?? 0) + 1);
  return [...counts].map(([item, n]) => (n > 1 ? `${item} (×${n})` : item));
};
/** Round trips as listed: the same trip twice shows as ×2, the commands a script or transaction ran under it. */
const tripLines = (trips: RoundTrip[]) => {
  const counts = new Map<string, { trip: RoundTrip; n: number }>();
  for (const trip of trips) {
    const id = JSON.stringify(trip);
    counts.set(id, { trip, n: (counts.get(id)?.n ?? 0) + 1 });
  }
  return [...counts.values()].flatMap(({ trip, n }) => [
    `- redis: ${trip.command}${n > 1 ? ` (×${n})` : ''}`,
    ...grouped(trip.inner).map((c) => `  - ${c}`),
  ]);
};
const innerCount = (t: Traced) => t.redis.reduce((sum, trip) => sum + trip.inner.length, 0);
const lines = [
  `# Commands per request (${new Date().toISOString()})`,
  '',
  'One request of each path after one warm-up, Orgauth in process. MongoDB: **SCAN** marks a read that no',
  'declared index serves (src/stores/catalog.ts); every other read is answered through an index, by MongoDB',
  'and by the embedded FerretDB alike.',
  'Redis: round trips on keys of this run (key ids elided). A script call (EVALSHA) or a MULTI…EXEC is one',
  'round trip; the commands it ran inside Redis are listed under it and not counted as round trips.',
  '',
  '| path | status | MongoDB commands | Redis round trips (commands inside) |',
  '|---|---|---|---|',
  ...traces.map((t) => `| ${t.name} | ${t.status} | ${t.mongo.length} | ${t.redis.length} (${innerCount(t)}) |`),
  '',
];
for (const t of traces) {
  const scans = t.mongo.filter((m) => !m.byId).length;
  lines.push(
    `## ${t.name} → ${t.status}`,
    '',
    `MongoDB: ${t.mongo.length} commands${scans ? `, **${scans} not served by an index**` : ', all served by an index'}; Redis: ${t.redis.length} round trips`,
    '',
    ...grouped(t.mongo.map((m) => `${m.byId ? '' : '**SCAN** '}${m.command}`)).map((c) => `- ${c}`),
    ...tripLines(t.redis),
    '',
  );
}
const outDir = join(repoRoot, 'bench', 'results');
mkdirSync(outDir, { recursive: true });
writeFileSync(join(outDir, 'queries.json'), `${JSON.stringify({ date: new Date().toISOString(), traces }, null, 2)}\n`);
writeFileSync(join(outDir, 'queries.md'), `${lines.join('\n')}\n`);
for (const t of traces) {
  const scans = t.mongo.filter((m) => !m.byId).length;
  process.stdout.write(
    `${t.name} → ${t.status}: ${t.mongo.length} MongoDB (${scans} not served by an index), ${t.redis.length} Redis round trips\n`,
  );
}

monitor.close();
await server.close();
await services.stop();
rmSync(shapeLog, { recursive: true, force: true });
process.exit(0);
