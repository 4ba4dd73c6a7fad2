import { importJWK, jwtVerify, SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadCookieKeys, loadSigningKeys, rotateSigningKey } from '../../src/oidc/keys.js';
import type { Stores } from '../../src/stores/index.js';
import { openTestStores } from '../support/harness.js';

const SECRET = 'test-secret-key-that-is-long-enough-0123456789';
let stores: Stores;
beforeAll(async () => {
  stores = await openTestStores();
});
afterAll(() => stores.close());

const publicPart = ({ d, p, q, dp, dq, qi, ...rest }: Record<string, unknown>) => rest;

describe('signing and cookie keys', () => {
  it('creates one key once, even when instances start together', async () => {
    const loads = await Promise.all([1, 2, 3].map(() => loadSigningKeys(stores.db, SECRET)));
    const kids = new Set(loads.map((l) => l.keys[0]?.kid));
    expect(kids.size).toBe(1);
    expect(await stores.db.connection.collection('signing_keys').countDocuments()).toBe(1);
    expect((await loadSigningKeys(stores.db, SECRET)).keys[0]?.kid).toBe([...kids][0]);
  });

  it('stores no key material in clear', async () => {
    const raw = JSON.stringify(await stores.db.connection.collection('signing_keys').find().toArray());
    expect(raw).not.toMatch(/"(d|p|q|n)":/);
  });

  it('signs with the current key, which verifies with its public part', async () => {
    const [current] = (await loadSigningKeys(stores.db, SECRET)).keys;
    if (!current) throw new Error('no key');
    const token = await new SignJWT({ hello: 'world' })
      .setProtectedHeader({ alg: 'RS256', kid: current.kid })
      .sign(await importJWK(current, 'RS256'));
    const { payload } = await jwtVerify(token, await importJWK(publicPart(current as never), 'RS256'));
    expect(payload.hello).toBe('world');
  });

  it('rotates: the new key comes first, the old one stays until it retires', async () => {
    const before = (await loadSigningKeys(stores.db, SECRET)).keys[0]?.kid;
    const rotated = await rotateSigningKey(stores.db, SECRET, { retireAfterSeconds: 3600 });
    expect(rotated.previousKid).toBe(before);
    const keys = (await loadSigningKeys(stores.db, SECRET)).keys.map((k) => k.kid);
    expect(keys).toEqual([rotated.kid, before]);

    const again = await rotateSigningKey(stores.db, SECRET, { retireAfterSeconds: 0 });
    const afterImmediateRetire = (await loadSigningKeys(stores.db, SECRET)).keys.map((k) => k.kid);
    expect(afterImmediateRetire).toEqual([again.kid, before]);
    expect(afterImmediateRetire).not.toContain(rotated.kid);
  });

  it('refuses another SECRET_KEY with a clear message', async () => {
    await expect(loadSigningKeys(stores.db, 'another-secret-key-that-is-long-enough-000')).rejects.toThrow(
      /SECRET_KEY does not decrypt the stored keys/,
    );
  });

  it('keeps cookie keys stable', async () => {
    const first = await loadCookieKeys(stores.db, SECRET);
    expect(first[0]).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(await loadCookieKeys(stores.db, SECRET)).toEqual(first);
  });
});
