import { ConflictError, ForbiddenError, NotFoundError } from '../errors.js';
import type { Db } from '../stores/db.js';
import { withMembersLock } from '../stores/lock.js';
import type { Page, PageQuery } from '../stores/pagination.js';
import { findUserContacts } from '../users/store.js';
import { parseInput } from '../validation.js';
import { countOwners, pageMembershipsOfOrganization, setMemberRole } from './members-store.js';
import type { Role } from './model.js';
import type { Standing } from './policy.js';
import { roleSchema } from './schema.js';
import { getMembership, getOrganization } from './service.js';

export interface MemberView {
  userId: string;
  email: string;
  name: string;
  role: Role;
  joinedAt: string;
}

export async function listMembers(db: Db, orgId: string, page: PageQuery): Promise<Page<MemberView>> {
  const result = await pageMembershipsOfOrganization(db, orgId, page);
  const users = await findUserContacts(
    db,
    result.items.map((m) => m.userId),
  );
  const byId = new Map(users.map((u) => [u._id, u]));
  return {
    items: result.items.map((m) => ({
      userId: m.userId,
      email: byId.get(m.userId)?.email ?? '',
      name: byId.get(m.userId)?.name ?? '',
      role: m.role as Role,
      joinedAt: m.createdAt.toISOString(),
    })),
    nextCursor: result.nextCursor,
  };
}

async function requireMember(db: Db, orgId: string, userId: string) {
  const membership = await getMembership(db, orgId, userId);
  if (!membership) throw new NotFoundError(`${userId} is not a member of this organization`);
  return membership;
}

/** Only owners (and operators) touch the owner role; at least one owner always remains. */
export async function assertMayChangeOwner(db: Db, orgId: string, standing: Standing, currentRole: string) {
  if (currentRole === 'owner' && standing !== 'owner' && standing !== 'platform') {
    throw new ForbiddenError('only an owner may change or remove an owner');
  }
  if (currentRole === 'owner' && (await countOwners(db, orgId)) <= 1) {
    throw new ConflictError('an organization always keeps at least one owner');
  }
}

export async function changeMemberRole(
  db: Db,
  { orgId, userId, role, standing }: { orgId: string; userId: string; role: string; standing: Standing },
): Promise<{ previousRole: Role; role: Role }> {
  const newRole = parseInput(roleSchema, role);
  await getOrganization(db, orgId);
  return withMembersLock(db, orgId, async () => {
    const membership = await requireMember(db, orgId, userId);
    if (membership.role === newRole) return { previousRole: newRole, role: newRole };
    if (newRole === 'owner' && standing !== 'owner' && standing !== 'platform') {
      throw new ForbiddenError('only an owner may make someone an owner');
    }
    await assertMayChangeOwner(db, orgId, standing, membership.role);
    await setMemberRole(db, orgId, userId, newRole);
    return { previousRole: membership.role as Role, role: newRole };
  });
}

/**
 * Hands ownership to another member; the previous owner stays as an admin. The new owner is made
 * first, so a crash in between leaves two owners, never none.
 */
export async function transferOwnership(db: Db, orgId: string, fromUserId: string, toUserId: string) {
  await getOrganization(db, orgId);
  return withMembersLock(db, orgId, async () => {
    const from = await requireMember(db, orgId, fromUserId);
    if (from.role !== 'owner') throw new ForbiddenError('only an owner may transfer ownership');
    if (fromUserId === toUserId) throw new ConflictError('this person already owns the organization');
    await requireMember(db, orgId, toUserId);
    await setMemberRole(db, orgId, toUserId, 'owner');
    await setMemberRole(db, orgId, fromUserId, 'admin');
    return { orgId, ownerId: toUserId, previousOwnerId: fromUserId };
  });
}
