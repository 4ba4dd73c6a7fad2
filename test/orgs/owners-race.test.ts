import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConflictError } from '../../src/errors.js';
import { createLogger } from '../../src/logger.js';
import { createOidc } from '../../src/oidc/index.js';
import { changeMemberRole, transferOwnership } from '../../src/orgs/members.js';
import { removeMember } from '../../src/revocation/service.js';
import type { Stores } from '../../src/stores/index.js';
import { withLock } from '../../src/stores/lock.js';
import { addMemberAs, createOrg, createUser } from '../support/factories.js';
import { openTestStores, testConfig } from '../support/harness.js';

let stores: Stores;
let oidc: Awaited<ReturnType<typeof createOidc>>;
beforeAll(async () => {
  const config = testConfig();
  stores = await openTestStores(config);
  oidc = await createOidc(config, stores, createLogger({ logLevel: 'silent' }));
});
afterAll(() => stores.close());

async function twoOwners() {
  const [a, b] = await Promise.all([createUser(stores.db), createUser(stores.db)]);
  const org = await createOrg(stores.db, a._id);
  await addMemberAs(stores.db, org._id, b._id, 'owner');
  return { org, a, b };
}
const owners = (orgId: string) => stores.db.memberships.countDocuments({ orgId, role: 'owner' });

describe('the last owner, under concurrent changes', () => {
  it('survives two owners demoting each other at the same moment', async () => {
    for (let round = 0; round < 8; round++) {
      const { org, a, b } = await twoOwners();
      const results = await Promise.allSettled([
        changeMemberRole(stores.db, { orgId: org._id, userId: b._id, role: 'member', standing: 'owner' }),
        changeMemberRole(stores.db, { orgId: org._id, userId: a._id, role: 'member', standing: 'owner' }),
      ]);
      expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
      expect(await owners(org._id)).toBe(1);
    }
  });

  it('survives two owners removing each other at the same moment', async () => {
    for (let round = 0; round < 8; round++) {
      const { org, a, b } = await twoOwners();
      const remove = (userId: string) => removeMember(oidc.provider, stores.db, oidc.publisher, org._id, userId);
      const results = await Promise.allSettled([remove(a._id), remove(b._id)]);
      expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
      expect(await owners(org._id)).toBe(1);
    }
  });

  it('survives a transfer of ownership to someone who is being removed', async () => {
    for (let round = 0; round < 8; round++) {
      const [a, c] = await Promise.all([createUser(stores.db), createUser(stores.db)]);
      const org = await createOrg(stores.db, a._id);
      await addMemberAs(stores.db, org._id, c._id, 'admin');
      await Promise.allSettled([
        transferOwnership(stores.db, org._id, a._id, c._id),
        removeMember(oidc.provider, stores.db, oidc.publisher, org._id, c._id),
      ]);
      expect(await owners(org._id)).toBeGreaterThanOrEqual(1);
    }
  });

  it('takes over the lock of a holder that died, and answers 409 while a live holder keeps it', async () => {
    const { org, b } = await twoOwners();
    const lockId = `org-members:${org._id}`;
    const lockDocs = stores.db.connection.collection<{ _id: string; holder: string; expiresAt: Date }>('locks');
    await lockDocs.insertOne({ _id: lockId, holder: 'crashed', expiresAt: new Date(Date.now() - 1000) });
    await changeMemberRole(stores.db, { orgId: org._id, userId: b._id, role: 'admin', standing: 'owner' });
    expect(await lockDocs.countDocuments({ _id: lockId })).toBe(0);

    let release = () => {};
    let entered = () => {};
    const inside = new Promise<void>((resolve) => {
      entered = resolve;
    });
    const held = withLock(
      stores.db,
      'busy-test',
      () =>
        new Promise<void>((resolve) => {
          release = resolve;
          entered();
        }),
    );
    await inside;
    await expect(withLock(stores.db, 'busy-test', async () => 'second', { waitMs: 300 })).rejects.toBeInstanceOf(
      ConflictError,
    );
    release();
    await held;
    await expect(withLock(stores.db, 'busy-test', async () => 'second')).resolves.toBe('second');
  });
});
