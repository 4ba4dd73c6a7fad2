import type { AdapterPayload } from 'oidc-provider';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mongoAdapterClass } from '../../src/oidc/adapters/mongo-adapter.js';
import { redisAdapterClass } from '../../src/oidc/adapters/redis-adapter.js';
import type { AdapterClass } from '../../src/oidc/adapters/types.js';
import type { Stores } from '../../src/stores/index.js';
import { sweepExpiredAcrossOrganizations } from '../../src/stores/sweep.js';
import { eventually, openTestStores, SOON_MS } from '../support/harness.js';

let stores: Stores;
beforeAll(async () => {
  stores = await openTestStores();
});
afterAll(() => stores.close());

let counter = 0;
const uniqueId = (label: string) => `${label}-${Date.now()}-${counter++}`;

/**
 * Which model each store's contract runs on: in MongoDB, records are found by grant where the model
 * has a `grantId` index (tokens), by uid where it has a `uid` index (sessions), and by user code nowhere
 * (device codes live in Redis).
 */
interface Models {
  any: string;
  byGrant: string;
  byUid: string;
  byUserCode?: string;
}

// One contract, two stores: oidc-provider must not be able to tell them apart.
describe.each([
  ['MongoDB', () => mongoAdapterClass(stores.db), { any: 'Session', byGrant: 'RefreshToken', byUid: 'Session' }],
  [
    'Redis',
    () => redisAdapterClass(stores.redis),
    { any: 'AuthorizationCode', byGrant: 'AuthorizationCode', byUid: 'Interaction', byUserCode: 'DeviceCode' },
  ],
] as Array<[string, () => AdapterClass, Models]>)('%s adapter', (_store, adapterClass, models) => {
  const model = models.any;
  const adapter = (name = model) => new (adapterClass())(name);

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
    await eventually(async () => expect(await adapter().find(id)).toBeUndefined(), { timeoutMs: SOON_MS });
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
    const tokens = adapter(models.byGrant);
    const [grant, other] = [uniqueId('grant'), uniqueId('grant')];
    const ids = [uniqueId('a'), uniqueId('b'), uniqueId('c')];
    await tokens.upsert(ids[0] as string, { grantId: grant } as AdapterPayload, 60);
    await tokens.upsert(ids[1] as string, { grantId: grant } as AdapterPayload, 600);
    await tokens.upsert(ids[2] as string, { grantId: other } as AdapterPayload, 60);
    await tokens.revokeByGrantId(grant);
    expect(await tokens.find(ids[0] as string)).toBeUndefined();
    expect(await tokens.find(ids[1] as string)).toBeUndefined();
    expect(await tokens.find(ids[2] as string)).toMatchObject({ grantId: other });
  });

  it('finds records by uid', async () => {
    const sessions = adapter(models.byUid);
    const id = uniqueId('ses');
    const uid = uniqueId('uid');
    await sessions.upsert(id, { uid, jti: id } as AdapterPayload, 60);
    expect(await sessions.findByUid(uid)).toMatchObject({ jti: id });
    expect(await sessions.findByUid(uniqueId('nope'))).toBeUndefined();
  });

  it('finds records by user code where it keeps device codes, and nowhere else', async () => {
    const id = uniqueId('dev');
    const userCode = uniqueId('CODE');
    const store = adapter(models.byUserCode ?? models.any);
    await store.upsert(id, { userCode, jti: id } as AdapterPayload, 60);
    if (models.byUserCode) expect(await store.findByUserCode(userCode)).toMatchObject({ jti: id });
    else expect(await store.findByUserCode(userCode)).toBeUndefined();
    expect(await store.findByUserCode(uniqueId('nope'))).toBeUndefined();
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

describe('MongoDB adapter, token models', () => {
  it('answers another token model "not found" without reading, once it knows an id’s model', async () => {
    const Adapter = mongoAdapterClass(stores.db);
    const id = uniqueId('kind');
    await new Adapter('AccessToken').upsert(id, { jti: id, kind: 'AccessToken' }, 60);
    // A record under the same id in another model's collection, written behind the adapter's back:
    // the adapter knows the id is an access token, so it does not look.
    await stores.db.connection
      .collection('oidc_ClientCredentials')
      .insertOne({ _id: id as never, payload: JSON.stringify({ jti: id }) });
    expect(await new Adapter('ClientCredentials').find(id)).toBeUndefined();
    expect(await new Adapter('AccessToken').find(id)).toMatchObject({ jti: id });
    // A new adapter (another process) does not know the id, and reads each model.
    expect(await new (mongoAdapterClass(stores.db))('ClientCredentials').find(id)).toMatchObject({ jti: id });
  });
});

describe('MongoDB adapter, rotated refresh tokens', () => {
  const raw = () => stores.db.connection.collection('oidc_RefreshToken');

  it('records a consumption as a marker beside the token, read with it, removed with its grant', async () => {
    const tokens = new (mongoAdapterClass(stores.db))('RefreshToken');
    const [id, grantId] = [uniqueId('rt'), uniqueId('grant')];
    await tokens.upsert(id, { jti: id, grantId } as AdapterPayload, 600);
    expect((await tokens.find(id))?.consumed).toBeUndefined();
    await tokens.consume(id);
    expect((await tokens.find(id))?.consumed).toBeGreaterThan(Date.now() / 1000 - 60);
    // The token's own record is not rewritten; the marker keeps its grant and expiry.
    const [record, marker] = await Promise.all([
      raw().findOne({ _id: id as never }),
      raw().findOne({ _id: `consumed:${id}` as never }),
    ]);
    expect(record?.consumed).toBeUndefined();
    expect(marker).toMatchObject({ grantId, expiresAt: record?.expiresAt });
    // Another process (no memory of the read) sees the consumption too.
    expect((await new (mongoAdapterClass(stores.db))('RefreshToken').find(id))?.consumed).toBeDefined();
    // No presented value names a marker.
    expect(await tokens.find(`consumed:${id}`)).toBeUndefined();
    await tokens.revokeByGrantId(grantId);
    expect(await raw().countDocuments({ grantId })).toBe(0);
  });

  it('still reads a token consumed in place as consumed', async () => {
    const id = uniqueId('rt-old');
    await raw().insertOne({ _id: id as never, payload: JSON.stringify({ jti: id }), consumed: 1_700_000_000 });
    expect(await new (mongoAdapterClass(stores.db))('RefreshToken').find(id)).toMatchObject({
      consumed: 1_700_000_000,
    });
  });
});
