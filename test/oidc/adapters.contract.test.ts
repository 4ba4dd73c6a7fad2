import type { AdapterPayload } from 'oidc-provider';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { deleteClientCredentialsTokens } from '../../src/oidc/adapters/issued-token-store.js';
import { mongoAdapterClass } from '../../src/oidc/adapters/mongo-adapter.js';
import { redisAdapterClass } from '../../src/oidc/adapters/redis-adapter.js';
import type { AdapterClass } from '../../src/oidc/adapters/types.js';
import type { Stores } from '../../src/stores/index.js';
import { forgetCachedHere } from '../../src/stores/read-cache.js';
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
  // Opaque access tokens live in their issued_tokens record beside JWT records (adapters/issued-token-store.ts).
  [
    'MongoDB (issued_tokens)',
    () => mongoAdapterClass(stores.db),
    { any: 'ClientCredentials', byGrant: 'AccessToken', byUid: 'Session' },
  ],
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
      .collection('issued_tokens')
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
    expect(await new Adapter('AccessToken').find(id)).toMatchObject({ jti: id });
    // The record made a client-credentials token behind the adapter's back: the adapter knows the id is an
    // access token, so it does not look.
    await issued().updateOne({ _id: id }, { $set: { kind: 'ClientCredentials' } });
    expect(await new Adapter('ClientCredentials').find(id)).toBeUndefined();
    // Another process does not know the id (nor has it cached), and reads it.
    forgetCachedHere(stores.db, 'issued_tokens', id);
    expect(await new (mongoAdapterClass(stores.db))('ClientCredentials').find(id)).toMatchObject({ jti: id });
    expect(await new (mongoAdapterClass(stores.db))('AccessToken').find(id)).toBeUndefined();
  });
});

const issued = () => stores.db.connection.collection<{ _id: string; [field: string]: unknown }>('issued_tokens');

describe('MongoDB adapter, opaque access tokens', () => {
  it('keeps a token in its issued_tokens record: one document with the record’s fields and the payload', async () => {
    const Adapter = mongoAdapterClass(stores.db);
    const id = uniqueId('opaque');
    const payload = { jti: id, kind: 'AccessToken', grantId: 'g-opaque', clientId: 'cli_x', accountId: 'usr_1' };
    await new Adapter('AccessToken').upsert(id, { ...payload, extra: { org_id: 'org_opaque' } }, 600);
    const record = await issued().findOne({ _id: id });
    expect(record).toMatchObject({
      kind: 'AccessToken',
      format: 'opaque',
      orgId: 'org_opaque',
      grantId: 'g-opaque',
      clientId: 'cli_x',
      sub: 'usr_1',
    });
    if (!record) throw new Error('no record');
    expect((record.expiresAt as Date).getTime() - (record.createdAt as Date).getTime()).toBe(600_000);
    expect(JSON.parse(String(record.payload))).toMatchObject(payload);
    expect(await stores.db.connection.collection('oidc_AccessToken').countDocuments({ _id: id as never })).toBe(0);
  });

  it('never takes a JWT’s record for a stored token', async () => {
    const id = uniqueId('jwt');
    await issued().insertOne({ _id: id, kind: 'AccessToken', format: 'jwt', grantId: 'g-jwt', expiresAt: later() });
    expect(await new (mongoAdapterClass(stores.db))('AccessToken').find(id)).toBeUndefined();
    // Revoking the grant ends its stored tokens; a JWT's record stays, as it did.
    await new (mongoAdapterClass(stores.db))('AccessToken').revokeByGrantId('g-jwt');
    expect(await issued().countDocuments({ _id: id })).toBe(1);
  });

  it('reads, revokes and destroys tokens stored before in oidc_<model>', async () => {
    // A process started now, over its own database, finds tokens there on its first look.
    const other = await openTestStores();
    onTestFinished(() => other.close());
    const legacy = (model: string) => other.db.connection.collection<{ _id: string }>(`oidc_${model}`);
    const [a, b, c] = [uniqueId('old-a'), uniqueId('old-b'), uniqueId('old-cc')];
    const old = (id: string, fields: Record<string, unknown>) => ({
      _id: id,
      payload: JSON.stringify({ jti: id }),
      expiresAt: later(),
      ...fields,
    });
    await legacy('AccessToken').insertMany([old(a, { grantId: 'g-old' }), old(b, { grantId: 'g-other' })]);
    await legacy('ClientCredentials').insertOne(old(c, { clientId: 'cli_old' }));
    const Adapter = mongoAdapterClass(other.db);
    expect(await new Adapter('AccessToken').find(a)).toMatchObject({ jti: a });
    expect(await new Adapter('ClientCredentials').find(c)).toMatchObject({ jti: c });
    expect(await new Adapter('ClientCredentials').find(a)).toBeUndefined();
    await new Adapter('AccessToken').revokeByGrantId('g-old');
    await new Adapter('AccessToken').destroy(b);
    await deleteClientCredentialsTokens(other.db, 'cli_old');
    const Fresh = mongoAdapterClass(other.db);
    for (const [model, id] of [
      ['AccessToken', a],
      ['AccessToken', b],
      ['ClientCredentials', c],
    ] as const) {
      expect(await new Fresh(model).find(id)).toBeUndefined();
      expect(await legacy(model).countDocuments({ _id: id })).toBe(0);
    }
  });

  it('deletes a client’s client-credentials tokens, and keeps its JWT records', async () => {
    const Adapter = mongoAdapterClass(stores.db);
    const [opaque, jwt] = [uniqueId('cc'), uniqueId('cc-jwt')];
    await new Adapter('ClientCredentials').upsert(opaque, { jti: opaque, clientId: 'cli_gone' }, 600);
    await issued().insertOne({ _id: jwt, kind: 'ClientCredentials', format: 'jwt', clientId: 'cli_gone' });
    expect(await deleteClientCredentialsTokens(stores.db, 'cli_gone')).toBe(1);
    expect(await new (mongoAdapterClass(stores.db))('ClientCredentials').find(opaque)).toBeUndefined();
    expect(await issued().countDocuments({ _id: jwt })).toBe(1);
  });
});

const later = () => new Date(Date.now() + 600_000);

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
