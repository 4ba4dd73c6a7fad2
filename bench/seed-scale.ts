// Writes a large installation in bulk (insertMany of the documents Orgauth itself writes):
// organizations, people with memberships, and stored access tokens with their issuance records,
// so the hot paths can be measured again at that size. BENCH_SCALE_* change the counts.
import { randomBytes } from 'node:crypto';
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

const BATCH = 5_000;
const id = (prefix: string, n: number) => `${prefix}_seed${n.toString(36).padStart(12, '0')}`;

async function inBatches<T>(count: number, make: (n: number) => T, write: (docs: T[]) => Promise<unknown>) {
  for (let start = 0; start < count; start += BATCH) {
    const docs: T[] = [];
    for (let n = start; n < Math.min(count, start + BATCH); n++) docs.push(make(n));
    await write(docs);
  }
}

/** Seeds the database; returns how long each part took, in seconds. */
export async function seedScale(db: Db, counts: ScaleCounts = SCALE) {
  const native = db.connection.db;
  if (!native) throw new Error('no database');
  const now = new Date();
  const later = new Date(Date.now() + 3600_000);
  const people = Math.max(1, Math.round(counts.memberships / 5));
  const timings: Record<string, number> = {};
  const timed = async (name: string, work: () => Promise<unknown>) => {
    const started = performance.now();
    await work();
    timings[name] = Math.round((performance.now() - started) / 100) / 10;
  };
  const insert = (collection: string) => (docs: object[]) =>
    native.collection(collection).insertMany(docs as never[], { ordered: false });

  await timed('organizations', () =>
    inBatches(
      counts.organizations,
      (n) => ({
        _id: id('org', n),
        name: `Seeded organization ${n}`,
        description: '',
        personal: false,
        createdBy: id('usr', n % people),
        createdAt: now,
        updatedAt: now,
        clientPolicy: 'any',
        resourcePolicy: 'any',
        deletingAt: null,
        deletionDone: false,
      }),
      insert('organizations'),
    ),
  );
  await timed('memberships', () =>
    inBatches(
      counts.memberships,
      (n) => {
        const orgId = id('org', n % counts.organizations);
        const userId = id('usr', n % people);
        return {
          _id: `${orgId}:${userId}`,
          orgId,
          userId,
          role: n < counts.organizations ? 'owner' : 'member',
          createdAt: now,
        };
      },
      async (docs) => {
        try {
          await insert('memberships')(docs);
        } catch (error) {
          // The same person twice in one organization: the unique _id keeps one, as intended.
          if ((error as { code?: number }).code !== 11000 && !(error as { writeErrors?: unknown }).writeErrors)
            throw error;
        }
      },
    ),
  );
  // Every token Orgauth issues is stored twice: oidc-provider's record and our issuance record.
  await timed('tokens', () =>
    inBatches(
      counts.tokens,
      (n) => {
        const tokenId = `${randomBytes(12).toString('base64url')}${n.toString(36)}`;
        const orgId = id('org', n % counts.organizations);
        const sub = id('usr', n % people);
        const payload = {
          jti: tokenId,
          kind: 'AccessToken',
          accountId: sub,
          clientId: 'cli_seeded',
          grantId: id('grt', n),
          exp: Math.floor(later.getTime() / 1000),
          extra: { org_id: orgId },
        };
        return { tokenId, orgId, sub, payload };
      },
      async (docs) => {
        await insert('oidc_AccessToken')(
          docs.map((d) => ({
            _id: d.tokenId,
            payload: JSON.stringify(d.payload),
            grantId: d.payload.grantId,
            expiresAt: later,
            orgId: d.orgId,
            clientId: 'cli_seeded',
            sub: d.sub,
          })),
        );
        await insert('issued_tokens')(
          docs.map((d) => ({
            _id: d.tokenId,
            kind: 'AccessToken',
            format: 'opaque',
            orgId: d.orgId,
            grantId: d.payload.grantId,
            clientId: 'cli_seeded',
            sub: d.sub,
            expiresAt: later,
            createdAt: now,
          })),
        );
      },
    ),
  );
  return timings;
}
