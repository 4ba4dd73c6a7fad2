import { z } from 'zod';
import { ConflictError, NotFoundError } from '../errors.js';
import { newId } from '../ids.js';
import { getOrganization } from '../orgs/service.js';
import type { Db } from '../stores/db.js';
import type { Page, PageQuery } from '../stores/pagination.js';
import { parseInput } from '../validation.js';
import type { TeamDoc } from './model.js';
import {
  countTeamsOfOrganizations,
  detachTeamsOfOrganization,
  findTeam,
  findTeamOfPlatform,
  insertTeam,
  listAllTeams,
  listTeamsOfOrganization,
  updateTeam,
} from './store.js';

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

const notFound = (teamId: string) => new NotFoundError(`team ${teamId} does not exist`);

export async function createTeam(db: Db, { name, orgId }: { name: string; orgId?: string | null }): Promise<TeamView> {
  const validName = parseInput(teamNameSchema, name);
  if (orgId) await getOrganization(db, orgId);
  const now = new Date();
  const doc = { _id: newId('team'), name: validName, orgId: orgId ?? null, createdAt: now, updatedAt: now };
  await insertTeam(db, doc);
  return presentTeam(doc);
}

/** A team of the organization; organization routes never reach other teams. */
export async function getTeam(db: Db, teamId: string, orgId: string): Promise<TeamDoc> {
  const doc = await findTeam(db, orgId, teamId);
  if (!doc) throw notFound(teamId);
  return doc;
}

/** Operators reach every team, assigned or not. */
export async function getTeamOfPlatform(db: Db, teamId: string): Promise<TeamDoc> {
  const doc = await findTeamOfPlatform(db, teamId);
  if (!doc) throw notFound(teamId);
  return doc;
}

export async function renameTeam(db: Db, teamId: string, name: string, orgId: string): Promise<TeamView> {
  const validName = parseInput(teamNameSchema, name);
  const doc = await updateTeam(db, orgId, teamId, { name: validName, updatedAt: new Date() });
  if (!doc) throw notFound(teamId);
  return presentTeam(doc);
}

/** Removes a team's assignment to the organization; the team itself stays. */
export async function unassignTeam(db: Db, teamId: string, orgId: string): Promise<TeamView> {
  const doc = await updateTeam(db, orgId, teamId, { orgId: null, updatedAt: new Date() });
  if (!doc) throw notFound(teamId);
  return presentTeam(doc);
}

/** Changes a team an operator read while it is still where it was: a move meanwhile is a conflict. */
async function changeTeamOfPlatform(db: Db, teamId: string, changes: Partial<Pick<TeamDoc, 'name' | 'orgId'>>) {
  const before = await getTeamOfPlatform(db, teamId);
  const doc = await updateTeam(db, before.orgId ?? null, teamId, { ...changes, updatedAt: new Date() });
  if (!doc) throw new ConflictError(`team ${teamId} was changed meanwhile; try again`);
  return presentTeam(doc);
}

export async function renameTeamOfPlatform(db: Db, teamId: string, name: string): Promise<TeamView> {
  return changeTeamOfPlatform(db, teamId, { name: parseInput(teamNameSchema, name) });
}

/** Assigns a team to an organization, or (null) detaches it (operators). */
export async function assignTeamOfPlatform(db: Db, teamId: string, orgId: string | null): Promise<TeamView> {
  if (orgId) await getOrganization(db, orgId);
  return changeTeamOfPlatform(db, teamId, { orgId });
}

/** The organization's teams, or (null) the teams of no organization. */
export async function listTeams(db: Db, { orgId }: { orgId: string | null }, page: PageQuery): Promise<Page<TeamView>> {
  const result = await listTeamsOfOrganization(db, orgId, page);
  return { items: result.items.map(presentTeam), nextCursor: result.nextCursor };
}

/** Every team (operators). */
export async function listTeamsOfPlatform(db: Db, page: PageQuery): Promise<Page<TeamView>> {
  const result = await listAllTeams(db, page);
  return { items: result.items.map(presentTeam), nextCursor: result.nextCursor };
}

/** Whether a team is (still) assigned to the organization. */
export async function isTeamOfOrganization(db: Db, teamId: string, orgId: string): Promise<boolean> {
  return (await findTeam(db, orgId, teamId)) !== null;
}

/** Teams per organization, for the organization lists. */
export async function countTeams(db: Db, orgIds: string[]): Promise<Map<string, number>> {
  const counts = await countTeamsOfOrganizations(db, orgIds);
  return new Map(orgIds.map((id) => [id, counts.get(id) ?? 0]));
}

export async function detachTeams(db: Db, orgId: string): Promise<number> {
  return detachTeamsOfOrganization(db, orgId);
}
