// Writes a large installation in bulk (insertMany of the raw documents Orgauth itself writes, into the
// same collections): people, organizations, memberships (one document each, `_id` = `${org}:${user}`),
// grants with their organization links, and stored tokens — access tokens (oidc-provider's record
// plus our issuance record) and refresh tokens, with expiries spread as live traffic leaves them.
// bench/token-endpoint.ts seeds its own database with it between the small and the large runs.
// Alone it seeds the database of MONGODB_URI, or a throw-away FerretDB to measure the rate:
//   node --import tsx bench/seed-scale.ts
// BENCH_SCALE_ORGS, BENCH_SCALE_MEMBERSHIPS, BENCH_SCALE_TOKENS change the counts.
import { randomBytes } from 'node:crypto';
import { pathToFileURL } from 'node:url';
import type { Db } from '../src/stores/db.js';

export interface ScaleCounts {
  organizations: number;
  memberships: number;
  tokens: number;
}

export const SCALE: ScaleCounts = {
  organizations: Number(process.env.BENCH_SCALE_ORGS ?? 10_000),
  memberships: Number(process.env.BENCH_SCALE_MEMBERSHIPS ?? 100_000),
  tokens: Number(process.env.BENCH_SCALE_TOKENS ?? 1_000_000),
};

/** Each seeded person belongs to this many organizations. */
const ORGS_PER_PERSON = 5;
const BATCH = 5_000;
const MINUTE = 60_000;
const DAY = 24 * 60 * MINUTE;
const SEEDED_CLIENT = 'cli_seeded_bench_client';
const SEEDED_RESOURCE = 'https://seeded.orgauth.test/';
const id = (prefix: string, n: number) => `${prefix}_seed${n.toString(36).padStart(12, '0')}`;

/** Collection -> documents written and seconds taken. */
export type SeedTimings = Record<string, { documents: number; seconds: number; perSecond: number }>;

/**
 * Membership `n` as (person, organization), every pair distinct: person `n mod P` joins, for
 * k = floor(n / P), the organization `(person + k * stride) mod O`, with k * stride < O.
 */
function layout(counts: ScaleCounts) {
  const people = Math.max(1, Math.ceil(counts.memberships / ORGS_PER_PERSON));
  const perPerson = Math.ceil(counts.memberships / people);
  const stride = Math.max(1, Math.floor(counts.organizations / perPerson));
  if (perPerson > counts.organizations) throw new Error('more memberships per person than organizations');
  const member = (n: number) => {
    const person = n % people;
    const k = Math.floor(n / people);
    const org = (person + k * stride) % counts.organizations;
    return { orgId: id('org', org), userId: id('usr', person), owner: k === 0 };
  };
  return { people, member };
}

/** Seeds the database; returns how long each collection took. */
export async function seedScale(db: Db, counts: ScaleCounts = SCALE): Promise<SeedTimings> {
  const native = db.connection.db;
  if (!native) throw new Error('no database');
  const database = native;
  const now = Date.now();
  const at = new Date(now);
  const { people, member } = layout(counts);
  const grants = counts.memberships; // one grant (person, client, organization) per membership
  const timings: SeedTimings = {};
  const uniform = (from: number, to: number) => new Date(now + from + Math.random() * (to - from));

  /** Writes `count` documents made by `make` (one or more collections per item) in batches. */
  async function seed(
    name: string,
    count: number,
    make: (n: number) => Partial<Record<string, object>>,
  ): Promise<void> {
    const started = performance.now();
    let documents = 0;
    for (let start = 0; start < count; start += BATCH) {
      const batches = new Map<string, object[]>();
      for (let n = start; n < Math.min(count, start + BATCH); n++) {
        for (const [collection, doc] of Object.entries(make(n))) {
          if (!doc) continue;
          const list = batches.get(collection) ?? [];
          if (!list.length) batches.set(collection, list);
          list.push(doc);
        }
      }
      for (const [collection, docs] of batches) {
        await database.collection(collection).insertMany(docs as never[], { ordered: false });
        documents += docs.length;
      }
    }
    const seconds = (performance.now() - started) / 1000;
    timings[name] = {
      documents,
      seconds: Math.round(seconds * 10) / 10,
      perSecond: Math.round(documents / Math.max(seconds, 0.001)),
    };
    process.stdout.write(`  seeded ${name}: ${documents} documents in ${seconds.toFixed(1)} s\n`);
  }

  await seed('people', people, (n) => {
    const email = `seed-${n}@orgauth.test`;
    return {
      users: {
        _id: id('usr', n),
        email,
        emailKey: email,
        name: `Seeded person ${n}`,
        passwordHash: 'seeded: no password',
        personalOrgId: member(n).orgId,
        platformAdmin: false,
        createdAt: at,
      },
      user_emails: { _id: email, userId: id('usr', n), createdAt: at },
    };
  });
  await seed('organizations', counts.organizations, (n) => ({
    organizations: {
      _id: id('org', n),
      name: `Seeded organization ${n}`,
      description: '',
      personal: false,
      createdBy: id('usr', n % people),
      createdAt: at,
      updatedAt: at,
      clientPolicy: 'any',
      resourcePolicy: 'any',
      deletingAt: null,
      deletionDone: false,
    },
  }));
  await seed('memberships', counts.memberships, (n) => {
    const { orgId, userId, owner } = member(n);
    return {
      memberships: { _id: `${orgId}:${userId}`, orgId, userId, role: owner ? 'owner' : 'member', createdAt: at },
    };
  });
  // The grant of membership n, as a consent leaves it: oidc-provider's record and our organization link.
  await seed('grants', grants, (n) => {
    const { orgId, userId } = member(n);
    const grantId = id('grt', n);
    const payload = {
      jti: grantId,
      kind: 'Grant',
      accountId: userId,
      clientId: SEEDED_CLIENT,
      iat: Math.floor(now / 1000),
      exp: Math.floor(now / 1000) + 365 * 86_400,
      openid: { scope: 'openid offline_access' },
      resources: { [SEEDED_RESOURCE]: 'read' },
    };
    return {
      oidc_Grant: {
        _id: grantId,
        payload: JSON.stringify(payload),
        expiresAt: new Date(now + 365 * DAY),
        orgId,
        clientId: SEEDED_CLIENT,
        sub: userId,
      },
      grant_orgs: { _id: grantId, orgId, userId, clientId: SEEDED_CLIENT, createdAt: at, lastUsedAt: at },
    };
  });
  // Half access tokens (1 h; some already expired and waiting for the sweep), half refresh tokens
  // (30 days; rotation leaves the spent ones behind, marked consumed, until they expire).
  await seed('tokens', counts.tokens, (n) => {
    const grant = n % grants;
    const { orgId, userId } = member(grant);
    const tokenId = `${randomBytes(16).toString('base64url')}${n.toString(36)}`;
    const grantId = id('grt', grant);
    const common = { accountId: userId, clientId: SEEDED_CLIENT, grantId, jti: tokenId, scope: 'openid read' };
    if (n % 2 === 0) {
      const expiresAt = uniform(-10 * MINUTE, 60 * MINUTE);
      const exp = Math.floor(expiresAt.getTime() / 1000);
      const payload = {
        ...common,
        kind: 'AccessToken',
        gty: 'authorization_code refresh_token',
        iat: exp - 3600,
        exp,
        resource: SEEDED_RESOURCE,
        format: 'opaque',
        extra: { org_id: orgId, org_role: 'member' },
      };
      // An opaque token is stored in its issued_tokens record (src/oidc/adapters/issued-token-store.ts).
      return {
        issued_tokens: {
          _id: tokenId,
          kind: 'AccessToken',
          format: 'opaque',
          orgId,
          grantId,
          clientId: SEEDED_CLIENT,
          sub: userId,
          expiresAt,
          createdAt: new Date(expiresAt.getTime() - 3600_000),
          payload: JSON.stringify(payload),
        },
      };
    }
    const expiresAt = uniform(0, 30 * DAY);
    const exp = Math.floor(expiresAt.getTime() / 1000);
    const payload = {
      ...common,
      kind: 'RefreshToken',
      gty: 'authorization_code',
      iat: exp - 30 * 86_400,
      exp,
      rotations: n % 7,
      resource: SEEDED_RESOURCE,
    };
    return {
      oidc_RefreshToken: {
        _id: tokenId,
        payload: JSON.stringify(payload),
        grantId,
        expiresAt,
        ...(n % 4 === 1 ? { consumed: exp - 29 * 86_400 } : {}),
        orgId,
        clientId: SEEDED_CLIENT,
        sub: userId,
      },
    };
  });
  return timings;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const { loadConfig } = await import('../src/config.js');
  const { openStores } = await import('../src/stores/index.js');
  const { benchServices } = await import('./services.js');
  const services = process.env.MONGODB_URI ? undefined : await benchServices('seed');
  const stores = await openStores(loadConfig(services?.env ?? process.env));
  const started = performance.now();
  process.stdout.write(`seeding ${JSON.stringify(SCALE)}\n`);
  const timings = await seedScale(stores.db);
  process.stdout.write(
    `${JSON.stringify(timings, null, 2)}\ntotal ${((performance.now() - started) / 1000).toFixed(1)} s\n`,
  );
  await stores.close();
  await services?.stop();
  process.exit(0);
}
