import { z } from 'zod';
import {
  assignTeamOfPlatform,
  createTeam,
  getTeamOfPlatform,
  listTeams,
  listTeamsOfPlatform,
  presentTeam,
  renameTeam,
  renameTeamOfPlatform,
  teamNameSchema,
  unassignTeam,
} from '../../teams/service.js';
import { defineRoute } from '../route.js';
import { orgIdParam, pageOf, pageQuery, teamIdParam, teamSchema } from '../schemas.js';

const orgTeamParams = z.object({ orgId: orgIdParam, teamId: teamIdParam });

export const teamRoutes = [
  defineRoute({
    method: 'get',
    path: '/orgs/{orgId}/teams',
    operationId: 'listOrgTeams',
    summary: 'Teams assigned to the organization',
    tag: 'Teams',
    access: { kind: 'org', action: 'teams.read' },
    params: z.object({ orgId: orgIdParam }),
    query: pageQuery,
    response: pageOf(teamSchema, 'Team'),
    handler: ({ params, query, deps }) => listTeams(deps.db, { orgId: params.orgId }, query),
  }),
  defineRoute({
    method: 'post',
    path: '/orgs/{orgId}/teams',
    operationId: 'createOrgTeam',
    summary: 'Create a team in the organization',
    tag: 'Teams',
    access: { kind: 'org', action: 'teams.manage' },
    params: z.object({ orgId: orgIdParam }),
    body: z.object({ name: teamNameSchema }).strict(),
    response: teamSchema,
    status: 201,
    handler: async ({ params, body, deps, audit }) => {
      const team = await createTeam(deps.db, { name: body.name, orgId: params.orgId });
      await audit({
        orgId: params.orgId,
        action: 'team.created',
        target: { type: 'team', id: team.id },
        data: { name: team.name },
      });
      return team;
    },
  }),
  defineRoute({
    method: 'patch',
    path: '/orgs/{orgId}/teams/{teamId}',
    operationId: 'renameOrgTeam',
    summary: 'Rename a team of the organization',
    tag: 'Teams',
    access: { kind: 'org', action: 'teams.manage' },
    params: orgTeamParams,
    body: z.object({ name: teamNameSchema }).strict(),
    response: teamSchema,
    handler: async ({ params, body, deps, audit }) => {
      const team = await renameTeam(deps.db, params.teamId, body.name, params.orgId);
      await audit({
        orgId: params.orgId,
        action: 'team.renamed',
        target: { type: 'team', id: team.id },
        data: { name: team.name },
      });
      return team;
    },
  }),
  defineRoute({
    method: 'delete',
    path: '/orgs/{orgId}/teams/{teamId}',
    operationId: 'unassignOrgTeam',
    summary: 'Remove a team’s assignment to the organization (the team is kept)',
    tag: 'Teams',
    access: { kind: 'org', action: 'teams.manage' },
    params: orgTeamParams,
    response: teamSchema,
    handler: async ({ params, deps, audit }) => {
      const team = await unassignTeam(deps.db, params.teamId, params.orgId);
      await audit({ orgId: params.orgId, action: 'team.unassigned', target: { type: 'team', id: team.id } });
      return team;
    },
  }),
  defineRoute({
    method: 'get',
    path: '/teams',
    operationId: 'listTeams',
    summary: 'Every team, optionally only the unassigned ones (operators)',
    tag: 'Platform',
    access: { kind: 'platform' },
    query: pageQuery.extend({ unassigned: z.enum(['true', 'false']).optional() }),
    response: pageOf(teamSchema, 'Team'),
    handler: ({ query, deps }) =>
      query.unassigned === 'true' ? listTeams(deps.db, { orgId: null }, query) : listTeamsOfPlatform(deps.db, query),
  }),
  defineRoute({
    method: 'post',
    path: '/teams',
    operationId: 'createTeam',
    summary: 'Create a team, assigned or not (operators)',
    tag: 'Platform',
    access: { kind: 'platform' },
    body: z.object({ name: teamNameSchema, orgId: orgIdParam.nullable().optional() }).strict(),
    response: teamSchema,
    status: 201,
    handler: async ({ body, deps, audit }) => {
      const team = await createTeam(deps.db, { name: body.name, orgId: body.orgId ?? null });
      if (team.orgId)
        await audit({ orgId: team.orgId, action: 'team.assigned', target: { type: 'team', id: team.id } });
      return team;
    },
  }),
  defineRoute({
    method: 'patch',
    path: '/teams/{teamId}',
    operationId: 'updateTeam',
    summary: 'Rename a team or assign it to an organization (null detaches it) (operators)',
    tag: 'Platform',
    access: { kind: 'platform' },
    params: z.object({ teamId: teamIdParam }),
    body: z.object({ name: teamNameSchema.optional(), orgId: orgIdParam.nullable().optional() }).strict(),
    response: teamSchema,
    handler: async ({ params, body, deps, audit }) => {
      const before = await getTeamOfPlatform(deps.db, params.teamId);
      let team = presentTeam(before);
      if (body.name !== undefined) team = await renameTeamOfPlatform(deps.db, params.teamId, body.name);
      if (body.orgId !== undefined && body.orgId !== before.orgId) {
        team = await assignTeamOfPlatform(deps.db, params.teamId, body.orgId);
        if (before.orgId)
          await audit({ orgId: before.orgId, action: 'team.unassigned', target: { type: 'team', id: team.id } });
        if (body.orgId)
          await audit({ orgId: body.orgId, action: 'team.assigned', target: { type: 'team', id: team.id } });
      }
      return team;
    },
  }),
];
