// What bench/data-layer.ts adds to the large installation of bench/seed-scale.ts: one organization
// with BENCH_BIG_ORG_MEMBERS members (the bench organization), the audit log and the credit ledger at
// BENCH_SCALE_AUDIT / BENCH_SCALE_LEDGER entries (a tenth of each in the bench organization), and
// BENCH_SCALE_EXPIRED expired tokens waiting for the sweep. Raw documents as Orgauth writes them.
import { randomBytes } from 'node:crypto';
import { readHead } from '../src/credits/ledger.js';
import { attributionFields } from '../src/credits/service.js';
import type { Db } from '../src/stores/db.js';

export const DATA_LAYER_SCALE = {
  bigOrgMembers: Number(process.env.BENCH_BIG_ORG_MEMBERS ?? 50_000),
  audit: Number(process.env.BENCH_SCALE_AUDIT ?? 1_000_000),
  ledger: Number(process.env.BENCH_SCALE_LEDGER ?? 1_000_000),
  expired: Number(process.env.BENCH_SCALE_EXPIRED ?? 500_000),
};

const BATCH = 5_000;
const seededOrg = (n: number) => `org_seed${n.toString(36).padStart(12, '0')}`;
const pad = (seq: number) => String(seq).padStart(12, '0');

async function inBatches(db: Db, collection: string, count: number, make: (n: number) => object) {
  const native = db.connection.db;
  if (!native) throw new Error('no database');
  const started = performance.now();
  for (let start = 0; start < count; start += BATCH) {
    const docs = Array.from({ length: Math.min(BATCH, count - start) }, (_, i) => make(start + i));
    await native.collection(collection).insertMany(docs as never[], { ordered: false });
  }
  const seconds = (performance.now() - started) / 1000;
  process.stdout.write(`  seeded ${collection}: ${count} documents in ${seconds.toFixed(1)} s\n`);
  return { documents: count, seconds: Math.round(seconds * 10) / 10 };
}

/**
 * A ledger chain of `count` debits of 1 after the organization's current head, each entry carrying
 * the balance after it, and the account moved to the new head: what `credits verify` accepts.
 */
async function seedLedger(db: Db, orgId: string, count: number, head: { seq: number; balance: number }) {
  const at = Date.now() - count * 10;
  const result = await inBatches(db, 'credit_entries', count, (n) => {
    const seq = head.seq + n + 1;
    return {
      _id: `${orgId}:${pad(seq)}`,
      orgId,
      seq,
      kind: 'debit',
      amount: -1,
      balanceAfter: head.balance - (n + 1),
      description: 'seeded usage',
      idempotencyKey: `seed-${seq}`,
      requestHash: 'seeded',
      at: new Date(at + n * 10),
      actorType: 'api_key',
      actorId: 'key_seeded',
      userId: `usr_seed${(n % 97).toString(36).padStart(12, '0')}`,
      keyId: `key_seed${n % 13}`,
      teamId: null,
      clientId: n % 3 === 0 ? 'cli_seeded_bench_client' : null,
      grantId: null,
      resource: null,
      requestId: null,
    };
  });
  await db.connection.db
    ?.collection('credit_accounts')
    .updateOne(
      { _id: orgId as never },
      { $set: { seq: head.seq + count, balance: head.balance - count, updatedAt: new Date() } },
      { upsert: true },
    );
  return result;
}

export async function seedDataLayer(db: Db, bench: { orgId: string; organizations: number }, scale = DATA_LAYER_SCALE) {
  const native = db.connection.db;
  if (!native) throw new Error('no database');
  const now = Date.now();
  const timings: Record<string, { documents: number; seconds: number }> = {};

  timings.bigOrgMembers = await seedMembers(db, bench.orgId, scale.bigOrgMembers);

  // Audit: a tenth in the bench organization, the rest spread; ids start with the time as Orgauth's do.
  timings.audit = await inBatches(db, 'audit_events', scale.audit, (n) => {
    const at = now - (scale.audit - n) * 5;
    const orgId = n % 10 === 0 ? bench.orgId : seededOrg(n % bench.organizations);
    return {
      _id: `evt_${at.toString(36).padStart(9, '0')}${randomBytes(6).toString('hex')}`,
      orgId,
      at: new Date(at),
      actorType: 'user',
      actorId: 'usr_seeded',
      action: n % 2 ? 'token.issued' : 'member.added',
      targetType: 'user',
      targetId: 'usr_seeded',
      requestId: null,
      data: {},
    };
  });

  // Ledger: a tenth in the bench organization, the rest in chains of 100 in seeded organizations.
  // The head, not the cached account: the cache is only brought forward every few entries.
  const head = await readHead(db, bench.orgId);
  const benchEntries = Math.floor(scale.ledger / 10);
  timings.ledgerBenchOrganization = await seedLedger(db, bench.orgId, benchEntries, head);
  const perOrg = 100;
  const others = Math.min(scale.ledger - benchEntries, perOrg * bench.organizations);
  const startBalance = 1_000_000;
  timings.ledgerOtherOrganizations = await inBatches(db, 'credit_entries', others, (n) => {
    const orgId = seededOrg(Math.floor(n / perOrg));
    const seq = (n % perOrg) + 1;
    return {
      _id: `${orgId}:${pad(seq)}`,
      orgId,
      seq,
      kind: seq === 1 ? 'credit' : 'debit',
      amount: seq === 1 ? startBalance : -1,
      balanceAfter: startBalance - (seq - 1),
      description: seq === 1 ? 'seeded balance' : 'seeded usage',
      idempotencyKey: `seed-${seq}`,
      requestHash: 'seeded',
      at: new Date(now - (perOrg - seq) * 1000),
      actorType: 'api_key',
      actorId: 'key_seeded',
      ...attributionFields(),
    };
  });
  await inBatches(db, 'credit_accounts', Math.ceil(others / perOrg), (org) => {
    const last = Math.min(perOrg, others - org * perOrg);
    return {
      _id: seededOrg(org),
      seq: last,
      balance: startBalance - (last - 1),
      overdraftLimit: 0,
      updatedAt: new Date(now),
    };
  });

  Object.assign(timings, await seedExpired(db, bench.organizations, scale.expired));
  return timings;
}

/** Expired access tokens and their issuance records, as a day of traffic leaves them for the sweep. */
export async function seedExpired(db: Db, organizations: number, count: number) {
  const now = Date.now();
  const bench = { organizations };
  const half = Math.floor(count / 2);
  const expiredAt = (n: number) => new Date(now - 60_000 - (n % 86_400) * 1000);
  const expiredTokens = await inBatches(db, 'oidc_AccessToken', half, (n) => ({
    _id: `exp${randomBytes(12).toString('base64url')}${n.toString(36)}`,
    payload: '{}',
    grantId: `grt_expired${n % 1000}`,
    expiresAt: expiredAt(n),
    orgId: seededOrg(n % bench.organizations),
  }));
  const expiredRecords = await inBatches(db, 'issued_tokens', count - half, (n) => ({
    _id: `exr${randomBytes(12).toString('base64url')}${n.toString(36)}`,
    kind: 'AccessToken',
    format: 'jwt',
    orgId: seededOrg(n % bench.organizations),
    grantId: null,
    clientId: 'cli_seeded_bench_client',
    sub: null,
    expiresAt: expiredAt(n),
    createdAt: new Date(now - 3_600_000),
  }));
  return { expiredTokens, expiredRecords };
}

/** `count` more people in the organization, as plain members. */
export async function seedMembers(db: Db, orgId: string, count: number) {
  const now = Date.now();
  const bench = { orgId };
  const members = await inBatches(db, 'memberships', count, (n) => {
    const userId = `usr_big${n.toString(36).padStart(12, '0')}`;
    return { _id: `${bench.orgId}:${userId}`, orgId: bench.orgId, userId, role: 'member', createdAt: new Date(now) };
  });
  await inBatches(db, 'users', count, (n) => {
    const email = `big-${n}@orgauth.test`;
    return {
      _id: `usr_big${n.toString(36).padStart(12, '0')}`,
      email,
      emailKey: email,
      name: `Big organization member ${n}`,
      passwordHash: 'seeded: no password',
      personalOrgId: null,
      platformAdmin: false,
      createdAt: new Date(now),
    };
  });
  return members;
}
