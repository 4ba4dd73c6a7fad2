import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConflictError, InvalidError } from '../../src/errors.js';
import { getMembership, listUserOrganizations } from '../../src/orgs/service.js';
import type { Stores } from '../../src/stores/index.js';
import { authenticate, findUserByEmail, signUp } from '../../src/users/service.js';
import { createUser, TEST_PASSWORD, uniqueEmail } from '../support/factories.js';
import { openTestStores } from '../support/harness.js';

let stores: Stores;
beforeAll(async () => {
  stores = await openTestStores();
});
afterAll(() => stores.close());

describe('sign-up', () => {
  it('creates a personal organization owned by the new person', async () => {
    const user = await createUser(stores.db, { name: 'Ada' });
    const orgs = await listUserOrganizations(stores.db, user._id);
    expect(orgs).toHaveLength(1);
    expect(orgs[0]?.organization).toMatchObject({
      _id: user.personalOrgId,
      personal: true,
      name: "Ada's organization",
    });
    expect(orgs[0]?.role).toBe('owner');
    expect(await getMembership(stores.db, user.personalOrgId, user._id)).toMatchObject({ role: 'owner' });
  });

  it('stores the password as an argon2id hash, never in clear', async () => {
    const user = await createUser(stores.db);
    const raw = await stores.db.users.findById(user._id).lean();
    expect(raw?.passwordHash).toMatch(/^\$argon2id\$/);
    expect(JSON.stringify(raw)).not.toContain(TEST_PASSWORD);
    expect(user).not.toHaveProperty('passwordHash');
  });

  it('refuses an email that differs only in case', async () => {
    const email = uniqueEmail('Case');
    await createUser(stores.db, { email });
    await expect(createUser(stores.db, { email: email.toUpperCase() })).rejects.toBeInstanceOf(ConflictError);
    await expect(createUser(stores.db, { email: `  ${email.toLowerCase()} ` })).rejects.toBeInstanceOf(ConflictError);
  });

  it('lets exactly one of several concurrent sign-ups for one email win', async () => {
    const email = uniqueEmail('race');
    const results = await Promise.allSettled(Array.from({ length: 5 }, () => createUser(stores.db, { email })));
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    for (const r of results.filter((r) => r.status === 'rejected')) {
      expect((r as PromiseRejectedResult).reason).toBeInstanceOf(ConflictError);
    }
    expect(await stores.db.users.countDocuments({ emailKey: email.toLowerCase() })).toBe(1);
  });

  it('rejects invalid input with a message per field', async () => {
    const error = await signUp(stores.db, { email: 'not-an-email', password: 'short' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidError);
    expect((error as InvalidError).fields).toEqual({
      email: 'is not a valid email address',
      password: 'must be at least 8 characters',
    });
  });

  it('finds people by email case-insensitively and checks their password', async () => {
    const email = uniqueEmail('Find');
    const user = await createUser(stores.db, { email });
    expect((await findUserByEmail(stores.db, email.toUpperCase()))?._id).toBe(user._id);
    expect((await authenticate(stores.db, email, TEST_PASSWORD))?._id).toBe(user._id);
    expect(await authenticate(stores.db, email, 'wrong password')).toBeNull();
    expect(await authenticate(stores.db, uniqueEmail('nobody'), TEST_PASSWORD)).toBeNull();
  });

  it('takes over an email claim left behind by a crash mid sign-up', async () => {
    const email = uniqueEmail('crash');
    await stores.db.userEmails.create({
      _id: email.toLowerCase(),
      userId: 'usr_never_written',
      createdAt: new Date(Date.now() - 5 * 60_000),
    });
    const user = await createUser(stores.db, { email });
    expect((await findUserByEmail(stores.db, email))?._id).toBe(user._id);
  });
});
