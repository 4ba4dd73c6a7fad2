import { randomBytes } from 'node:crypto';
import type { Role } from '../../src/orgs/model.js';
import { addMember, createOrganization } from '../../src/orgs/service.js';
import type { Db } from '../../src/stores/db.js';
import { signUp } from '../../src/users/service.js';

export const TEST_PASSWORD = 'correct horse battery staple';

export function uniqueEmail(label = 'person'): string {
  return `${label}-${randomBytes(4).toString('hex')}@example.test`;
}

export function createUser(db: Db, overrides: { email?: string; name?: string; password?: string } = {}) {
  return signUp(db, {
    email: overrides.email ?? uniqueEmail(),
    password: overrides.password ?? TEST_PASSWORD,
    name: overrides.name ?? 'Test Person',
  });
}

export function createOrg(db: Db, ownerUserId: string, name = `Org ${randomBytes(3).toString('hex')}`) {
  return createOrganization(db, { name }, ownerUserId);
}

export function addMemberAs(db: Db, orgId: string, userId: string, role: Role = 'member') {
  return addMember(db, orgId, userId, role);
}
