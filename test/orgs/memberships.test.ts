import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConflictError, InvalidError, NotFoundError } from '../../src/errors.js';
import { addMember, getMembership, listUserOrganizations } from '../../src/orgs/service.js';
import type { Stores } from '../../src/stores/index.js';
import { createOrg, createUser } from '../support/factories.js';
import { openTestStores } from '../support/harness.js';

let stores: Stores;
beforeAll(async () => {
  stores = await openTestStores();
});
afterAll(() => stores.close());

describe('memberships', () => {
  it('makes the creator of a company organization its owner', async () => {
    const owner = await createUser(stores.db);
    const org = await createOrg(stores.db, owner._id, 'Acme');
    expect(org.personal).toBe(false);
    expect(await getMembership(stores.db, org._id, owner._id)).toMatchObject({ role: 'owner' });
  });

  it('holds one membership per person and organization', async () => {
    const owner = await createUser(stores.db);
    const person = await createUser(stores.db);
    const org = await createOrg(stores.db, owner._id);
    await addMember(stores.db, org._id, person._id, 'member');
    await expect(addMember(stores.db, org._id, person._id, 'admin')).rejects.toBeInstanceOf(ConflictError);
    const concurrent = await Promise.allSettled([
      addMember(stores.db, org._id, owner._id, 'admin'),
      addMember(stores.db, org._id, owner._id, 'member'),
    ]);
    expect(concurrent.every((r) => r.status === 'rejected')).toBe(true);
    expect(await stores.db.memberships.countDocuments({ orgId: org._id })).toBe(2);
    expect(await getMembership(stores.db, org._id, person._id)).toMatchObject({ role: 'member' });
  });

  it('lists a person’s organizations with their role, personal first', async () => {
    const owner = await createUser(stores.db);
    const person = await createUser(stores.db);
    const beta = await createOrg(stores.db, owner._id, 'Beta');
    const alpha = await createOrg(stores.db, owner._id, 'Alpha');
    await addMember(stores.db, beta._id, person._id, 'admin');
    await addMember(stores.db, alpha._id, person._id, 'member');
    const orgs = await listUserOrganizations(stores.db, person._id);
    expect(orgs.map((o) => [o.organization._id, o.role])).toEqual([
      [person.personalOrgId, 'owner'],
      [alpha._id, 'member'],
      [beta._id, 'admin'],
    ]);
  });

  it('keeps personal organizations to their one person', async () => {
    const owner = await createUser(stores.db);
    const person = await createUser(stores.db);
    await expect(addMember(stores.db, owner.personalOrgId, person._id, 'member')).rejects.toBeInstanceOf(InvalidError);
  });

  it('refuses unknown organizations, unknown people and unknown roles', async () => {
    const owner = await createUser(stores.db);
    const org = await createOrg(stores.db, owner._id);
    await expect(addMember(stores.db, 'org_doesnotexist0000', owner._id, 'member')).rejects.toBeInstanceOf(
      NotFoundError,
    );
    await expect(addMember(stores.db, 'not an id', owner._id, 'member')).rejects.toBeInstanceOf(NotFoundError);
    await expect(addMember(stores.db, org._id, 'usr_nobody', 'member')).rejects.toBeInstanceOf(NotFoundError);
    // biome-ignore lint/suspicious/noExplicitAny: proving the runtime check of an untyped caller
    await expect(addMember(stores.db, org._id, owner._id, 'boss' as any)).rejects.toBeInstanceOf(InvalidError);
  });
});
