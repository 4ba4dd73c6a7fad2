import { z } from 'zod';
import { NotFoundError } from '../../errors.js';
import {
  acceptInvitation,
  createInvitation,
  createInvitationSchema,
  listInvitations,
  revokeInvitation,
} from '../../orgs/invitations.js';
import { assertMayChangeOwner, changeMemberRole, listMembers } from '../../orgs/members.js';
import { authorize } from '../../orgs/policy.js';
import { getMembership } from '../../orgs/service.js';
import { removeMember } from '../../revocation/service.js';
import { defineRoute } from '../route.js';
import {
  invitationIdParam,
  invitationSchema,
  memberSchema,
  orgIdParam,
  pageOf,
  pageQuery,
  roleEnum,
  userIdParam,
} from '../schemas.js';

const memberParams = z.object({ orgId: orgIdParam, userId: userIdParam });

export const memberRoutes = [
  defineRoute({
    method: 'get',
    path: '/orgs/{orgId}/members',
    operationId: 'listMembers',
    summary: 'Members and their roles',
    tag: 'Members',
    access: { kind: 'org', action: 'members.read' },
    params: z.object({ orgId: orgIdParam }),
    query: pageQuery,
    response: pageOf(memberSchema, 'Member'),
    handler: ({ params, query, deps }) => listMembers(deps.db, params.orgId, query),
  }),
  defineRoute({
    method: 'patch',
    path: '/orgs/{orgId}/members/{userId}',
    operationId: 'changeMemberRole',
    summary: 'Change a member’s role (only owners touch the owner role; one owner always remains)',
    tag: 'Members',
    access: { kind: 'org', action: 'members.manage' },
    params: memberParams,
    body: z.object({ role: roleEnum }).strict(),
    response: z.object({ previousRole: roleEnum, role: roleEnum }),
    handler: async ({ params, body, caller, deps, audit }) => {
      const result = await changeMemberRole(deps.db, {
        ...params,
        role: body.role,
        standing: caller.standing ?? 'member',
      });
      await audit({
        orgId: params.orgId,
        action: 'member.role_changed',
        target: { type: 'user', id: params.userId },
        data: result,
      });
      return result;
    },
  }),
  defineRoute({
    method: 'delete',
    path: '/orgs/{orgId}/members/{userId}',
    operationId: 'removeMember',
    summary: 'Remove a member (or leave); their grants, tokens and keys here stop working at once',
    tag: 'Members',
    access: { kind: 'org', action: 'members.read' },
    params: memberParams,
    status: 204,
    handler: async ({ params, caller, deps, audit }) => {
      const standing = caller.standing ?? 'member';
      if (params.userId !== caller.userId) authorize(standing, 'members.manage');
      const membership = await getMembership(deps.db, params.orgId, params.userId);
      if (!membership) throw new NotFoundError('this person is not a member of the organization');
      await assertMayChangeOwner(deps.db, params.orgId, standing, membership.role);
      await removeMember(deps.provider, deps.db, deps.publisher, params.orgId, params.userId);
      const action = params.userId === caller.userId ? 'member.left' : 'member.removed';
      await audit({ orgId: params.orgId, action, target: { type: 'user', id: params.userId } });
      return undefined;
    },
  }),
  defineRoute({
    method: 'get',
    path: '/orgs/{orgId}/invitations',
    operationId: 'listInvitations',
    summary: 'Pending invitations',
    tag: 'Invitations',
    access: { kind: 'org', action: 'invitations.manage' },
    params: z.object({ orgId: orgIdParam }),
    query: pageQuery,
    response: pageOf(invitationSchema, 'Invitation'),
    handler: ({ params, query, deps }) => listInvitations(deps.db, params.orgId, query),
  }),
  defineRoute({
    method: 'post',
    path: '/orgs/{orgId}/invitations',
    operationId: 'createInvitation',
    summary: 'Invite someone by email with a role; the single-use token is in this answer only',
    tag: 'Invitations',
    access: { kind: 'org', action: 'invitations.manage' },
    params: z.object({ orgId: orgIdParam }),
    body: createInvitationSchema.strict(),
    response: invitationSchema,
    status: 201,
    handler: async ({ params, body, caller, deps, audit }) => {
      const invitation = await createInvitation(
        deps.db,
        { orgId: params.orgId, invitedBy: caller.userId ?? caller.actor.id, standing: caller.standing ?? 'member' },
        body,
      );
      await audit({
        orgId: params.orgId,
        action: 'invitation.created',
        target: { type: 'invitation', id: invitation.id },
        data: { email: invitation.email, role: invitation.role },
      });
      return invitation;
    },
  }),
  defineRoute({
    method: 'delete',
    path: '/orgs/{orgId}/invitations/{invitationId}',
    operationId: 'revokeInvitation',
    summary: 'Withdraw a pending invitation',
    tag: 'Invitations',
    access: { kind: 'org', action: 'invitations.manage' },
    params: z.object({ orgId: orgIdParam, invitationId: invitationIdParam }),
    status: 204,
    handler: async ({ params, deps, audit }) => {
      await revokeInvitation(deps.db, params.orgId, params.invitationId);
      await audit({
        orgId: params.orgId,
        action: 'invitation.revoked',
        target: { type: 'invitation', id: params.invitationId },
      });
      return undefined;
    },
  }),
  defineRoute({
    method: 'post',
    path: '/invitations/accept',
    operationId: 'acceptInvitation',
    summary: 'Accept an invitation sent to your email (any signed-in person)',
    tag: 'Invitations',
    access: { kind: 'person' },
    body: z.object({ token: z.string().min(1).max(200) }).strict(),
    response: z.object({ orgId: z.string(), userId: z.string(), role: roleEnum, invitationId: z.string() }),
    handler: async ({ body, caller, deps, audit }) => {
      const accepted = await acceptInvitation(deps.db, body.token, caller.userId ?? '');
      await audit({
        orgId: accepted.orgId,
        action: 'member.joined',
        target: { type: 'user', id: accepted.userId },
        data: { role: accepted.role, invitationId: accepted.invitationId },
      });
      return accepted;
    },
  }),
];
