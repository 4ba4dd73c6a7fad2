import { declareCollection, openCollection } from '../stores/collections.js';
import type { Db } from '../stores/db.js';
import { type Page, type PageQuery, pageById } from '../stores/pagination.js';
import type { TeamDoc } from './model.js';

/** Teams belong to one organization at a time, or to none (detached), so `orgId` may be null. */
export const teamsCollection = declareCollection({
  name: 'teams',
  indexes: [{ key: { orgId: 1, _id: 1 } }],
  queries: ['{_id, orgId}', '{orgId, _id: range?} sort {_id: 1}', '{orgId}'],
  // Operators reach every team by its id or in one list; the organization list counts teams of a page of organizations.
  // Names of the teams a page of an audit log mentions, wherever they are now.
  unscopedQueries: ['{_id}', '{_id: range?} sort {_id: 1}', '{orgId: in}', '{_id: in}'],
  shardKey: { _id: 1 },
  shardNote: 'teams move between organizations, so they shard by their own id',
});

const teams = (db: Db) => openCollection<TeamDoc>(db, teamsCollection);

/** The names of these teams, by id (wherever they belong now). */
export async function findTeamNames(db: Db, teamIds: string[]): Promise<Map<string, string>> {
  if (!teamIds.length) return new Map();
  const rows = await teams(db)
    .find({ _id: { $in: [...new Set(teamIds)] } }, { projection: { name: 1 } })
    .toArray();
  return new Map(rows.map((row) => [row._id, row.name]));
}

export async function insertTeam(db: Db, doc: TeamDoc): Promise<void> {
  await teams(db).insertOne(doc);
}

/** A team while it belongs to the organization (`null`: a detached team); otherwise null. */
export function findTeam(db: Db, orgId: string | null, teamId: string): Promise<TeamDoc | null> {
  return teams(db).findOne({ _id: teamId, orgId });
}

/** Operators' lookup: any team, wherever it is assigned. */
export function findTeamOfPlatform(db: Db, teamId: string): Promise<TeamDoc | null> {
  return teams(db).findOne({ _id: teamId });
}

/** Changes a team only while it belongs to `orgId` (so a move meanwhile wins); the changed team, or null. */
export function updateTeam(
  db: Db,
  orgId: string | null,
  teamId: string,
  changes: Partial<Pick<TeamDoc, 'name' | 'orgId' | 'updatedAt'>>,
): Promise<TeamDoc | null> {
  return teams(db).findOneAndUpdate({ _id: teamId, orgId }, { $set: changes }, { returnDocument: 'after' });
}

/** The organization's teams (`null`: the detached ones), by id. */
export function listTeamsOfOrganization(db: Db, orgId: string | null, page: PageQuery): Promise<Page<TeamDoc>> {
  return pageById<TeamDoc>(teams(db), { orgId }, page);
}

/** Operators' list of every team, assigned or not. */
export function listAllTeams(db: Db, page: PageQuery): Promise<Page<TeamDoc>> {
  return pageById<TeamDoc>(teams(db), {}, page);
}

/** How many teams each of a page of organizations has (the operators' organization list). */
export async function countTeamsOfOrganizations(db: Db, orgIds: string[]): Promise<Map<string, number>> {
  const rows = await teams(db)
    .aggregate<{ _id: string; count: number }>([
      { $match: { orgId: { $in: orgIds } } },
      { $group: { _id: '$orgId', count: { $sum: 1 } } },
    ])
    .toArray();
  return new Map(rows.map((row) => [row._id, row.count]));
}

/** Detaches every team of an organization (it is being deleted); the teams themselves stay. */
export async function detachTeamsOfOrganization(db: Db, orgId: string): Promise<number> {
  const result = await teams(db).updateMany({ orgId }, { $set: { orgId: null, updatedAt: new Date() } });
  return result.modifiedCount;
}
