import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addCredits } from '../../src/credits/service.js';
import { verifyLedgers } from '../../src/credits/verify.js';
import { orgWithRoles } from '../support/api.js';
import { startOidcServer } from '../support/oauth.js';

let server: Awaited<ReturnType<typeof startOidcServer>>;
beforeAll(async () => {
  server = await startOidcServer();
});
afterAll(() => server?.close());

/** Runs the requests with at most `connections` in flight, like clients on several connections. */
async function inParallel<T>(jobs: Array<() => Promise<T>>, connections: number): Promise<T[]> {
  const results: T[] = new Array(jobs.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: connections }, async () => {
      while (next < jobs.length) {
        const index = next++;
        results[index] = await (jobs[index] as () => Promise<T>)();
      }
    }),
  );
  return results;
}

async function fundedOrg(name: string, amount: number) {
  const acme = await orgWithRoles(server.stores.db, server.url, name);
  await addCredits(
    server.stores.db,
    acme.org._id,
    { amount, description: 'opening balance' },
    { actor: { type: 'system', id: 'test' } },
  );
  return acme;
}

describe('concurrent debits', () => {
  it('1,000 debits of 1 against a balance of 500: exactly 500 succeed, 500 get 402, the log sums to 0', {
    timeout: 120_000,
  }, async () => {
    const acme = await fundedOrg('Busy Co', 500);
    const debit = (i: number) => () =>
      acme.as.member(
        'POST',
        `/orgs/${acme.org._id}/credits/debits`,
        { amount: 1, description: 'one call' },
        { 'idempotency-key': `call-${i}` },
      );
    const answers = await inParallel(
      Array.from({ length: 1000 }, (_, i) => debit(i)),
      32,
    );
    const statuses = answers.map((a) => a.status);
    expect(statuses.filter((s) => s === 201)).toHaveLength(500);
    expect(statuses.filter((s) => s === 402)).toHaveLength(500);
    const refused = answers.find((a) => a.status === 402);
    expect(refused?.headers.get('content-type')).toContain('application/problem+json');
    expect(refused?.body).toMatchObject({ type: 'https://orgauth.dev/problems/insufficient_credits', status: 402 });

    expect((await acme.as.member('GET', `/orgs/${acme.org._id}/credits`)).body).toMatchObject({
      balance: 0,
      entries: 501,
    });
    const report = await verifyLedgers(server.stores.db, { orgId: acme.org._id });
    expect(report.reports[0]).toMatchObject({ balance: 0, entries: 501, chainErrors: [], cacheBehind: false });
  });

  it('retries with repeated Idempotency-Keys never charge twice', { timeout: 120_000 }, async () => {
    const acme = await fundedOrg('Retrying Co', 500);
    const debit = (i: number) => () =>
      acme.as.member<{ transaction: { id: string }; replayed: boolean }>(
        'POST',
        `/orgs/${acme.org._id}/credits/debits`,
        { amount: 1, description: 'one call' },
        { 'idempotency-key': `retry-${i % 1000}` },
      );
    // Every key is sent twice, the copies far apart and close together.
    const answers = await inParallel(
      Array.from({ length: 2000 }, (_, i) => debit(i)),
      32,
    );
    const byKey = new Map<number, Array<(typeof answers)[number]>>();
    for (const [i, answer] of answers.entries()) byKey.set(i % 1000, [...(byKey.get(i % 1000) ?? []), answer]);
    let charged = 0;
    for (const [, pair] of byKey) {
      const succeeded = pair.filter((a) => a.status === 201);
      if (succeeded.length === 0) continue;
      charged += 1;
      // A charged key answers every time with that one transaction.
      expect(new Set(succeeded.map((a) => a.body.transaction.id)).size).toBe(1);
    }
    expect(charged).toBe(500);
    const { body } = await acme.as.admin<{ balance: number }>('GET', `/orgs/${acme.org._id}/credits`);
    expect(body.balance).toBe(0);
    const debits = await server.stores.db.creditEntries.countDocuments({ orgId: acme.org._id, kind: 'debit' });
    expect(debits).toBe(500);
  });

  it('answers a reused key with a different request with 409, and bad amounts with 400, charging nothing', async () => {
    const acme = await fundedOrg('Careful Co', 100);
    const path = `/orgs/${acme.org._id}/credits/debits`;
    expect(
      (await acme.as.member('POST', path, { amount: 5, description: 'x' }, { 'idempotency-key': 'k1' })).status,
    ).toBe(201);
    const reused = await acme.as.member('POST', path, { amount: 6, description: 'x' }, { 'idempotency-key': 'k1' });
    expect(reused.status).toBe(409);
    for (const amount of [1.5, -3, 0, '7', 1e15]) {
      const bad = await acme.as.member(
        'POST',
        path,
        { amount, description: 'x' },
        { 'idempotency-key': `bad-${amount}` },
      );
      expect(bad.status).toBe(400);
      expect(bad.body).toMatchObject({ errors: { amount: expect.any(String) } });
    }
    const noKey = await acme.as.member('POST', path, { amount: 1, description: 'x' });
    expect(noKey.body).toMatchObject({ status: 400, errors: { 'Idempotency-Key': 'is required' } });
    expect((await acme.as.member('GET', `/orgs/${acme.org._id}/credits`)).body).toMatchObject({ balance: 95 });
  });

  it('lets the balance go below zero only as far as the overdraft limit', async () => {
    const acme = await fundedOrg('Overdraft Co', 10);
    const path = `/orgs/${acme.org._id}/credits/debits`;
    expect((await acme.as.admin('PUT', `/orgs/${acme.org._id}/credits/overdraft`, { limit: 5 })).status).toBe(403);
    expect((await acme.as.owner('PUT', `/orgs/${acme.org._id}/credits/overdraft`, { limit: 5 })).body).toMatchObject({
      overdraftLimit: 5,
    });
    expect(
      (await acme.as.member('POST', path, { amount: 15, description: 'x' }, { 'idempotency-key': 'a' })).status,
    ).toBe(201);
    expect(
      (await acme.as.member('POST', path, { amount: 1, description: 'x' }, { 'idempotency-key': 'b' })).status,
    ).toBe(402);
    expect((await acme.as.member('GET', `/orgs/${acme.org._id}/credits`)).body).toMatchObject({ balance: -5 });
  });
});
