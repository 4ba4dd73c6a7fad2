import type { AdapterPayload } from 'oidc-provider';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mongoAdapterClass } from '../../src/oidc/adapters/mongo-adapter.js';
import { redisAdapterClass } from '../../src/oidc/adapters/redis-adapter.js';
import type { AdapterClass } from '../../src/oidc/adapters/types.js';
import type { Stores } from '../../src/stores/index.js';
import { sweepExpiredAcrossOrganizations } from '../../src/stores/sweep.js';
import { eventually, openTestStores } from '../support/harness.js';

let stores: Stores;
beforeAll(async () => {
  stores = await openTestStores();
});
afterAll(() => stores.close());

let counter = 0;
const uniqueId = (label: string) => `${label}-${Date.now()}-${counter++}`;

// One contract, two stores: oidc-provider must not be able to tell them apart.
describe.each([
  ['MongoDB', () => mongoAdapterClass(stores.db), 'Session'],
  ['Redis', () => redisAdapterClass(stores.redis), 'AuthorizationCode'],
] as Array<[string, () => AdapterClass, string]>)('%s adapter', (_store, adapterClass, model) => {
  const adapter = () => new (adapterClass())(model);

  it('returns what was stored, including keys with dots', async () => {
    const id = uniqueId('rt');
    const payload = {
      kind: model,
      jti: id,
      resources: { 'https://api.example.com/v1': 'read write' },
    } as AdapterPayload;
    await adapter().upsert(id, payload, 60);
    expect(await adapter().find(id)).toEqual(payload);
    await adapter().upsert(id, { ...payload, accountId: 'usr_x' }, 60);
    expect(await adapter().find(id)).toMatchObject({ accountId: 'usr_x' });
  });

  it('returns nothing for an unknown id', async () => {
    expect(await adapter().find(uniqueId('missing'))).toBeUndefined();
  });

  it('never returns an expired record', async () => {
    const id = uniqueId('short');
    await adapter().upsert(id, { jti: id } as AdapterPayload, 1);
    await eventually(async () => expect(await adapter().find(id)).toBeUndefined(), { timeoutMs: 5000 });
  });

  it('marks a record consumed', async () => {
    const id = uniqueId('code');
    await adapter().upsert(id, { jti: id } as AdapterPayload, 60);
    await adapter().consume(id);
    const found = await adapter().find(id);
    expect(found?.consumed).toBeGreaterThan(Date.now() / 1000 - 60);
    await adapter().consume(uniqueId('absent'));
  });

  it('destroys a record', async () => {
    const id = uniqueId('gone');
    await adapter().upsert(id, { jti: id } as AdapterPayload, 60);
    await adapter().destroy(id);
    expect(await adapter().find(id)).toBeUndefined();
  });

  it('revokes every record of one grant and only of that grant', async () => {
    const [grant, other] = [uniqueId('grant'), uniqueId('grant')];
    const ids = [uniqueId('a'), uniqueId('b'), uniqueId('c')];
    await adapter().upsert(ids[0] as string, { grantId: grant } as AdapterPayload, 60);
    await adapter().upsert(ids[1] as string, { grantId: grant } as AdapterPayload, 600);
    await adapter().upsert(ids[2] as string, { grantId: other } as AdapterPayload, 60);
    await adapter().revokeByGrantId(grant);
    expect(await adapter().find(ids[0] as string)).toBeUndefined();
    expect(await adapter().find(ids[1] as string)).toBeUndefined();
    expect(await adapter().find(ids[2] as string)).toMatchObject({ grantId: other });
  });

  it('finds records by uid and by user code', async () => {
    const id = uniqueId('dev');
    const uid = uniqueId('uid');
    const userCode = uniqueId('CODE');
    await adapter().upsert(id, { uid, userCode, jti: id } as AdapterPayload, 60);
    expect(await adapter().findByUid(uid)).toMatchObject({ jti: id });
    expect(await adapter().findByUserCode(userCode)).toMatchObject({ jti: id });
    expect(await adapter().findByUid(uniqueId('nope'))).toBeUndefined();
    expect(await adapter().findByUserCode(uniqueId('nope'))).toBeUndefined();
  });
});

describe('MongoDB adapter specifics', () => {
  it('stores client secrets only as hashes', async () => {
    const Adapter = mongoAdapterClass(stores.db);
    await new Adapter('Client').upsert('cli_hash_test', {
      client_id: 'cli_hash_test',
      client_secret: 'plain-secret-value',
    } as AdapterPayload);
    const raw = await stores.db.connection.collection('oidc_Client').findOne({ _id: 'cli_hash_test' as never });
    expect(JSON.stringify(raw)).not.toContain('plain-secret-value');
    expect((await new Adapter('Client').find('cli_hash_test'))?.client_secret).toMatch(/^sha256\$[0-9a-f]{64}$/);
  });

  it('sweeps expired records and keeps live ones', async () => {
    const Adapter = mongoAdapterClass(stores.db);
    await new Adapter('AccessToken').upsert('at-live', { jti: 'at-live' } as AdapterPayload, 3600);
    await new Adapter('AccessToken').upsert('at-dead', { jti: 'at-dead' } as AdapterPayload, 1);
    const deleted = await sweepExpiredAcrossOrganizations(stores.db, new Date(Date.now() + 5000));
    expect(deleted).toBeGreaterThanOrEqual(1);
    const left = await stores.db.connection
      .collection('oidc_AccessToken')
      .find({ _id: { $in: ['at-live', 'at-dead'] as never[] } })
      .toArray();
    expect(left.map((d) => d._id)).toEqual(['at-live']);
  });
});
