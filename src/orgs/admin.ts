import { z } from 'zod';
import type { Db } from '../stores/db.js';
import { type Page, type PageQuery, pageById } from '../stores/pagination.js';
import { countTeams } from '../teams/service.js';
import { parseInput } from '../validation.js';
import type { OrganizationDoc } from './model.js';
import { getOrganization } from './service.js';

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
  await db.organizations.updateOne({ _id: orgId }, { $set: { ...data, updatedAt: next.updatedAt } });
  return presentOrganization(next);
}

/** One organization with its counts (the overview). */
export async function describeOrganization(db: Db, orgId: string) {
  const org = await getOrganization(db, orgId);
  const [teams, membersCount] = await Promise.all([countTeams(db, [orgId]), db.memberships.countDocuments({ orgId })]);
  return { ...presentOrganization(org, { teamsCount: teams.get(orgId) ?? 0 }), membersCount };
}

/** Operators: every organization with its teams count. */
export async function listAllOrganizations(db: Db, page: PageQuery): Promise<Page<OrganizationView>> {
  const result = await pageById<OrganizationDoc & { _id: string }>(db.organizations, { deletingAt: null }, page);
  const counts = await countTeams(
    db,
    result.items.map((o) => o._id),
  );
  return {
    items: result.items.map((o) => presentOrganization(o, { teamsCount: counts.get(o._id) ?? 0 })),
    nextCursor: result.nextCursor,
  };
}
