import { z } from 'zod';
import { apiKeyTeamId, teamBelongsTo } from '../../apikeys/service.js';
import {
  addCredits,
  changeSchema,
  debitCredits,
  getCredits,
  listTransactions,
  setOverdraftLimit,
  transactionFilterSchema,
  usageReport,
} from '../../credits/service.js';
import { InvalidError } from '../../errors.js';
import { findIssuedTokenOfOrganization } from '../../oidc/tokens-store.js';
import type { ApiDeps } from '../deps.js';
import type { Caller } from '../route.js';
import { defineRoute } from '../route.js';
import { orgIdParam, pageOf, pageQuery } from '../schemas.js';
import { SUBJECT_TOKEN_HEADER, verifySubjectToken } from '../subject-token.js';

const orgParams = z.object({ orgId: orgIdParam });
const timestamp = z.string().describe('ISO 8601 date-time');

const creditsSchema = z
  .object({ orgId: z.string(), balance: z.number().int(), overdraftLimit: z.number().int(), entries: z.number().int() })
  .meta({ id: 'Credits' });
const entrySchema = z
  .object({
    id: z.string(),
    seq: z.number().int(),
    kind: z.enum(['credit', 'debit']),
    amount: z.number().int(),
    balanceAfter: z.number().int(),
    description: z.string(),
    at: timestamp,
    actor: z.object({ type: z.string(), id: z.string() }),
    attribution: z.object({
      userId: z.string().nullable(),
      keyId: z.string().nullable(),
      teamId: z.string().nullable(),
      clientId: z.string().nullable(),
      grantId: z.string().nullable(),
      resource: z.string().nullable(),
    }),
  })
  .meta({ id: 'CreditTransaction' });
const changeResultSchema = z.object({ transaction: entrySchema, balance: z.number().int(), replayed: z.boolean() });
const totals = z.array(z.object({ id: z.string(), amount: z.number().int() }));

/**
 * Attribution comes from the credential: the member and key (and the key's team while it still
 * belongs to the organization), or the client and its grant.
 */
async function attributionOf(caller: Caller, deps: ApiDeps, orgId: string) {
  const grantId = caller.tokenId
    ? ((await findIssuedTokenOfOrganization(deps.db, orgId, caller.tokenId))?.grantId ?? undefined)
    : undefined;
  const teamId = caller.keyId ? await apiKeyTeamId(deps.db, orgId, caller.keyId) : undefined;
  const spendsForTeam = teamId ? await teamBelongsTo(deps.db, teamId, orgId) : false;
  return {
    userId: caller.userId,
    keyId: caller.keyId,
    teamId: spendsForTeam ? teamId : undefined,
    clientId: caller.clientId,
    grantId,
  };
}

export const creditRoutes = [
  defineRoute({
    method: 'get',
    path: '/orgs/{orgId}/credits',
    operationId: 'getCredits',
    summary: 'The organization’s balance (integer units) and overdraft limit',
    tag: 'Credits',
    access: { kind: 'org', action: 'credits.read' },
    params: orgParams,
    response: creditsSchema,
    handler: ({ params, deps }) => getCredits(deps.db, params.orgId),
  }),
  defineRoute({
    method: 'put',
    path: '/orgs/{orgId}/credits/overdraft',
    operationId: 'setOverdraftLimit',
    summary: 'How far below zero the balance may go (owners, operators)',
    tag: 'Credits',
    access: { kind: 'org', action: 'credits.settings' },
    params: orgParams,
    body: z.object({ limit: z.number().int().min(0).max(1_000_000_000_000) }).strict(),
    response: creditsSchema,
    handler: async ({ params, body, deps, audit }) => {
      const credits = await setOverdraftLimit(deps.db, params.orgId, body.limit);
      await audit({
        orgId: params.orgId,
        action: 'credits.overdraft_set',
        target: { type: 'organization', id: params.orgId },
        data: body,
      });
      return credits;
    },
  }),
  defineRoute({
    method: 'get',
    path: '/orgs/{orgId}/credits/transactions',
    operationId: 'listCreditTransactions',
    summary: 'The transaction log, newest first; filter by kind, member, key, client, period',
    tag: 'Credits',
    access: { kind: 'org', action: 'credits.log' },
    params: orgParams,
    query: pageQuery.extend(transactionFilterSchema.shape),
    response: pageOf(entrySchema, 'CreditTransaction'),
    handler: ({ params, query, deps }) => listTransactions(deps.db, params.orgId, query, query),
  }),
  defineRoute({
    method: 'get',
    path: '/orgs/{orgId}/credits/usage',
    operationId: 'getCreditUsage',
    summary: 'Debits summed by member, API key, team and client over a period',
    tag: 'Credits',
    access: { kind: 'org', action: 'credits.log' },
    params: orgParams,
    query: transactionFilterSchema.pick({ from: true, to: true }),
    response: z.object({ total: z.number().int(), byMember: totals, byKey: totals, byTeam: totals, byClient: totals }),
    handler: ({ params, query, deps }) => usageReport(deps.db, params.orgId, query),
  }),
  defineRoute({
    method: 'post',
    path: '/orgs/{orgId}/credits/credits',
    operationId: 'addCredits',
    summary: 'Add credits (owners, admins, operators); an Idempotency-Key header makes retries safe',
    tag: 'Credits',
    access: { kind: 'org', action: 'credits.add' },
    params: orgParams,
    body: changeSchema.strict(),
    response: changeResultSchema,
    status: 201,
    handler: async ({ params, body, caller, deps, header, requestId, audit }) => {
      const result = await addCredits(deps.db, params.orgId, body, {
        actor: caller.actor,
        attribution: { userId: caller.userId },
        idempotencyKey: header('idempotency-key'),
        requestId,
      });
      if (!result.replayed) {
        await audit({
          orgId: params.orgId,
          action: 'credits.added',
          target: { type: 'credit_transaction', id: result.entry.id },
          data: { amount: body.amount },
        });
      }
      return { transaction: result.entry, balance: result.entry.balanceAfter, replayed: result.replayed };
    },
  }),
  defineRoute({
    method: 'post',
    path: '/orgs/{orgId}/credits/debits',
    operationId: 'debitCredits',
    summary:
      'Deduct credits (Idempotency-Key header required): usage charged by a member’s key (and its team) or token, or an organization’s client; a resource server names the person’s token it charges for in Orgauth-Subject-Token; 402 below the overdraft limit',
    tag: 'Credits',
    access: { kind: 'org', action: 'credits.debit' },
    params: orgParams,
    body: changeSchema.strict(),
    response: changeResultSchema,
    status: 201,
    handler: async ({ params, body, caller, deps, header, requestId, audit }) => {
      const subjectToken = header(SUBJECT_TOKEN_HEADER);
      if (subjectToken !== undefined && caller.actor.type !== 'client') {
        throw new InvalidError('only a resource server (a client of the organization) may charge for a subject token', {
          [SUBJECT_TOKEN_HEADER]:
            'is accepted only with a client credentials token of one of the organization’s clients',
        });
      }
      const result = await debitCredits(deps.db, params.orgId, body, {
        actor: caller.actor,
        attribution:
          subjectToken !== undefined
            ? await verifySubjectToken(deps, subjectToken, params.orgId)
            : await attributionOf(caller, deps, params.orgId),
        idempotencyKey: header('idempotency-key'),
        requestId,
      });
      if (!result.replayed && caller.actor.type !== 'api_key' && caller.actor.type !== 'client') {
        await audit({
          orgId: params.orgId,
          action: 'credits.deducted',
          target: { type: 'credit_transaction', id: result.entry.id },
          data: { amount: body.amount },
        });
      }
      return { transaction: result.entry, balance: result.entry.balanceAfter, replayed: result.replayed };
    },
  }),
];
