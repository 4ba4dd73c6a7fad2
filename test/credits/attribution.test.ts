import * as client from 'openid-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addCredits } from '../../src/credits/service.js';
import { apiClient, orgWithRoles } from '../support/api.js';
import { createClient, relyingParty, startOidcServer } from '../support/oauth.js';

let server: Awaited<ReturnType<typeof startOidcServer>>;
beforeAll(async () => {
  server = await startOidcServer();
});
afterAll(() => server?.close());

describe('who spent it', () => {
  it('charges debits to the member and key, or to the client, from the credential alone', async () => {
    const { db } = server.stores;
    const acme = await orgWithRoles(db, server.url, 'Attributed Co');
    const orgPath = `/orgs/${acme.org._id}`;
    await addCredits(
      db,
      acme.org._id,
      { amount: 1000, description: 'opening' },
      { actor: { type: 'system', id: 'test' } },
    );
    const memberKeyId = (
      await acme.as.member<{ items: { id: string; userId: string }[] }>('GET', `${orgPath}/api-keys`)
    ).body.items[0]?.id;

    const meter = await createClient(server.stores, server.config, {
      orgId: acme.org._id,
      name: 'Metering service',
      grantTypes: ['client_credentials'],
    });
    const rp = await relyingParty(server.issuer, meter.client_id, meter.client_secret);
    const { access_token: clientToken } = await client.clientCredentialsGrant(rp, {
      resource: `${server.issuer}/api`,
      scope: 'orgauth:api',
    });
    const asClient = apiClient(server.url, clientToken);

    const byKey = await acme.as.member(
      'POST',
      `${orgPath}/credits/debits`,
      { amount: 7, description: 'batch job' },
      { 'idempotency-key': 'm-1' },
    );
    expect(byKey.status).toBe(201);
    // The body cannot claim someone else.
    const claiming = await acme.as.member(
      'POST',
      `${orgPath}/credits/debits`,
      { amount: 1, description: 'x', userId: acme.owner._id },
      { 'idempotency-key': 'm-2' },
    );
    expect(claiming.status).toBe(400);
    const byClient = await asClient(
      'POST',
      `${orgPath}/credits/debits`,
      { amount: 11, description: 'metered calls' },
      { 'idempotency-key': 'c-1' },
    );
    expect(byClient.status).toBe(201);
    // A client may charge and read the balance, nothing else.
    expect((await asClient('GET', `${orgPath}/credits`)).body).toMatchObject({ balance: 982 });
    expect((await asClient('GET', `${orgPath}/members`)).status).toBe(403);
    expect(
      (await asClient('POST', `${orgPath}/credits/credits`, { amount: 5, description: 'free money' })).status,
    ).toBe(403);

    const log = await acme.as.admin<{
      items: {
        kind: string;
        amount: number;
        actor: { type: string; id: string };
        attribution: Record<string, string | null>;
      }[];
    }>('GET', `${orgPath}/credits/transactions?kind=debit`);
    expect(log.body.items).toEqual([
      expect.objectContaining({
        amount: 11,
        actor: { type: 'client', id: meter.client_id },
        attribution: expect.objectContaining({ clientId: meter.client_id, userId: null, keyId: null }),
      }),
      expect.objectContaining({
        amount: 7,
        actor: { type: 'api_key', id: memberKeyId },
        attribution: expect.objectContaining({ userId: acme.member._id, keyId: memberKeyId, clientId: null }),
      }),
    ]);
    const mine = await acme.as.admin<{ items: unknown[] }>(
      'GET',
      `${orgPath}/credits/transactions?userId=${acme.member._id}`,
    );
    expect(mine.body.items).toHaveLength(1);

    const usage = await acme.as.admin('GET', `${orgPath}/credits/usage`);
    expect(usage.body).toEqual({
      total: 18,
      byMember: [{ id: acme.member._id, amount: 7 }],
      byKey: [{ id: memberKeyId, amount: 7 }],
      byTeam: [],
      byClient: [{ id: meter.client_id, amount: 11 }],
    });
    expect((await acme.as.member('GET', `${orgPath}/credits/transactions`)).status).toBe(403);
  });

  it('pages the log newest first and filters it by period', async () => {
    const { db } = server.stores;
    const acme = await orgWithRoles(db, server.url, 'Paged Ledger Co');
    for (let i = 1; i <= 5; i++) {
      await addCredits(
        db,
        acme.org._id,
        { amount: i, description: `top-up ${i}` },
        { actor: { type: 'system', id: 'test' } },
      );
    }
    const seen: number[] = [];
    let cursor: string | null = null;
    do {
      const page: { body: { items: { amount: number }[]; nextCursor: string | null } } = await acme.as.admin(
        'GET',
        `/orgs/${acme.org._id}/credits/transactions?limit=2${cursor ? `&cursor=${cursor}` : ''}`,
      );
      seen.push(...page.body.items.map((t) => t.amount));
      cursor = page.body.nextCursor;
    } while (cursor);
    expect(seen).toEqual([5, 4, 3, 2, 1]);
    const future = await acme.as.admin<{ items: unknown[] }>(
      'GET',
      `/orgs/${acme.org._id}/credits/transactions?from=2999-01-01T00:00:00Z`,
    );
    expect(future.body.items).toEqual([]);
    const badDate = await acme.as.admin('GET', `/orgs/${acme.org._id}/credits/transactions?from=yesterday`);
    expect(badDate.body).toMatchObject({ status: 400, errors: { from: expect.any(String) } });
  });

  it('names the team of a team key on its debits, only while the team belongs to the organization', async () => {
    const { db } = server.stores;
    const acme = await orgWithRoles(db, server.url, 'Team Spend Co');
    const other = await orgWithRoles(db, server.url, 'Other Team Co');
    const orgPath = `/orgs/${acme.org._id}`;
    await addCredits(db, acme.org._id, { amount: 100, description: 'opening' }, { actor: { type: 'system', id: 't' } });
    const team = await acme.as.admin<{ id: string }>('POST', `${orgPath}/teams`, { name: 'Robotics' });
    const foreign = await other.as.admin<{ id: string }>('POST', `/orgs/${other.org._id}/teams`, { name: 'Theirs' });

    const refused = await acme.as.member('POST', `${orgPath}/api-keys`, { name: 'k', teamId: foreign.body.id });
    expect(refused.body).toMatchObject({ status: 400, errors: { teamId: 'is not a team of this organization' } });
    const created = await acme.as.member<{ key: string; id: string; teamId: string }>('POST', `${orgPath}/api-keys`, {
      name: 'robot arm',
      teamId: team.body.id,
    });
    expect(created.body.teamId).toBe(team.body.id);
    const asTeamKey = apiClient(server.url, created.body.key);
    const debit = (key: string) =>
      asTeamKey(
        'POST',
        `${orgPath}/credits/debits`,
        { amount: 4, description: 'arm time' },
        { 'idempotency-key': key },
      );
    expect((await debit('t-1')).body).toMatchObject({ transaction: { attribution: { teamId: team.body.id } } });

    // Once the team leaves the organization, the key still spends for its member but names no team.
    expect((await acme.as.admin('DELETE', `${orgPath}/teams/${team.body.id}`)).status).toBe(200);
    expect((await debit('t-2')).body).toMatchObject({ transaction: { attribution: { teamId: null } } });

    const usage = await acme.as.admin<{ byTeam: unknown[] }>('GET', `${orgPath}/credits/usage`);
    expect(usage.body.byTeam).toEqual([{ id: team.body.id, amount: 4 }]);
    const teamLog = await acme.as.admin<{ items: unknown[] }>(
      'GET',
      `${orgPath}/credits/transactions?teamId=${team.body.id}`,
    );
    expect(teamLog.body.items).toHaveLength(1);
  });
});
