import { z } from 'zod';
import type { Db } from '../stores/db.js';
import type { Page, PageQuery } from '../stores/pagination.js';
import { countTeams } from '../teams/service.js';
import { parseInput } from '../validation.js';
import { countMembersUpTo } from './members-store.js';
import type { OrganizationDoc } from './model.js';
import { pageOrganizationsOfPlatform, updateOrganizationRecord } from './organizations-store.js';
import { getOrganization } from './service.js';

/**
 * The overview counts members up to this many and one more: `membersCount` above it means "more
 * than this many" (counting an organization of 50,000 members would read them all on every view).
 */
export const MEMBERS_COUNT_CAP = 10_000;

export const updateOrganizationSchema = z
  .object({
    name: z.string().trim().min(1, 'is required').max(100, 'must be at most 100 characters').optional(),
    description: z.string().trim().max(1000, 'must be at most 1000 characters').optional(),
  })
  .strict();
export type UpdateOrganizationInput = z.input<typeof updateOrganizationSchema>;

export function presentOrganization(org: OrganizationDoc & { _id: string }, extra: { teamsCount?: number } = {}) {
  return {
    id: org._id,
    name: org.name,
    description: org.description,
    personal: org.personal,
    clientPolicy: org.clientPolicy ?? 'any',
    resourcePolicy: org.resourcePolicy ?? 'any',
    createdAt: org.createdAt.toISOString(),
    ...extra,
  };
}
export type OrganizationView = ReturnType<typeof presentOrganization>;

export async function updateOrganization(db: Db, orgId: string, input: UpdateOrganizationInput) {
  const data = parseInput(updateOrganizationSchema, input);
  const org = await getOrganization(db, orgId);
  const next = { ...org, ...data, updatedAt: new Date() };
  await updateOrganizationRecord(db, orgId, data, next.updatedAt);
  return presentOrganization(next);
}

/** One organization with its counts (the overview); `membersCount` is capped (see MEMBERS_COUNT_CAP). */
export async function describeOrganization(db: Db, orgId: string) {
  const org = await getOrganization(db, orgId);
  const [teams, membersCount] = await Promise.all([
    countTeams(db, [orgId]),
    countMembersUpTo(db, orgId, MEMBERS_COUNT_CAP + 1),
  ]);
  return { ...presentOrganization(org, { teamsCount: teams.get(orgId) ?? 0 }), membersCount };
}

/** Operators: every organization with its teams count. */
export async function listAllOrganizations(db: Db, page: PageQuery): Promise<Page<OrganizationView>> {
  const result = await pageOrganizationsOfPlatform(db, page);
  const counts = await countTeams(
    db,
    result.items.map((o) => o._id),
  );
  return {
    items: result.items.map((o) => presentOrganization(o, { teamsCount: counts.get(o._id) ?? 0 })),
    nextCursor: result.nextCursor,
  };
}
