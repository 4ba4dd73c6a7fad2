import { z } from 'zod';
import { NotFoundError } from '../errors.js';
import { newId } from '../ids.js';
import { getOrganization } from '../orgs/service.js';
import type { Db } from '../stores/db.js';
import { type Page, type PageQuery, pageById } from '../stores/pagination.js';
import { parseInput } from '../validation.js';
import type { TeamDoc } from './model.js';

export const teamNameSchema = z.string().trim().min(1, 'is required').max(100, 'must be at most 100 characters');

export function presentTeam(doc: TeamDoc) {
  return {
    id: doc._id,
    name: doc.name,
    orgId: doc.orgId ?? null,
    createdAt: doc.createdAt.toISOString(),
    updatedAt: doc.updatedAt.toISOString(),
  };
}
export type TeamView = ReturnType<typeof presentTeam>;

export async function createTeam(db: Db, { name, orgId }: { name: string; orgId?: string | null }): Promise<TeamView> {
  const validName = parseInput(teamNameSchema, name);
  if (orgId) await getOrganization(db, orgId);
  const now = new Date();
  const doc = { _id: newId('team'), name: validName, orgId: orgId ?? null, createdAt: now, updatedAt: now };
  await db.teams.create(doc);
  return presentTeam(doc);
}

/** A team, optionally only when it belongs to `orgId` (organization routes never reach other teams). */
export async function getTeam(db: Db, teamId: string, orgId?: string): Promise<TeamDoc> {
  const doc = await db.teams.findById(teamId).lean<TeamDoc>();
  if (!doc || (orgId !== undefined && doc.orgId !== orgId)) throw new NotFoundError(`team ${teamId} does not exist`);
  return doc;
}

export async function renameTeam(db: Db, teamId: string, name: string, orgId?: string): Promise<TeamView> {
  const validName = parseInput(teamNameSchema, name);
  const doc = await getTeam(db, teamId, orgId);
  const updatedAt = new Date();
  await db.teams.updateOne({ _id: doc._id }, { $set: { name: validName, updatedAt } });
  return presentTeam({ ...doc, name: validName, updatedAt });
}

/** Assigns a team to an organization, or (null) detaches it; the team itself stays. */
export async function assignTeam(db: Db, teamId: string, orgId: string | null, fromOrgId?: string): Promise<TeamView> {
  const doc = await getTeam(db, teamId, fromOrgId);
  if (orgId) await getOrganization(db, orgId);
  const updatedAt = new Date();
  await db.teams.updateOne({ _id: doc._id }, { $set: { orgId, updatedAt } });
  return presentTeam({ ...doc, orgId, updatedAt });
}

export async function listTeams(db: Db, filter: { orgId?: string | null }, page: PageQuery): Promise<Page<TeamView>> {
  const result = await pageById<TeamDoc>(db.teams, filter.orgId === undefined ? {} : { orgId: filter.orgId }, page);
  return { items: result.items.map(presentTeam), nextCursor: result.nextCursor };
}

/** Teams per organization, for the organization lists. */
export async function countTeams(db: Db, orgIds: string[]): Promise<Map<string, number>> {
  const counts = new Map<string, number>(orgIds.map((id) => [id, 0]));
  const teams = await db.teams.find({ orgId: { $in: orgIds } }, { orgId: 1 }).lean();
  for (const team of teams) if (team.orgId) counts.set(team.orgId, (counts.get(team.orgId) ?? 0) + 1);
  return counts;
}

export async function detachTeams(db: Db, orgId: string): Promise<number> {
  const result = await db.teams.updateMany({ orgId }, { $set: { orgId: null, updatedAt: new Date() } });
  return result.modifiedCount;
}
