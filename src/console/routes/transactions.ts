import { randomUUID } from 'node:crypto';
import type Router from '@koa/router';
import type { Context } from 'koa';
import { type Mention, nameParticipants } from '../../audit/participants.js';
import { authorize, can } from '../../orgs/policy.js';
import type { Page } from '../../stores/pagination.js';
import { attempt, type ConsoleDeps, call, type Failure, field, show, stateOf } from '../context.js';
import { done } from './auth.js';

interface Entry {
  id: string;
  kind: 'credit' | 'debit';
  amount: number;
  balanceAfter: number;
  description: string;
  at: string;
  actor: { type: string; id: string };
  attribution: { userId: string | null; keyId: string | null; teamId: string | null; clientId: string | null };
}
interface Usage {
  total: number;
  byMember: Array<{ id: string; amount: number }>;
  byKey: Array<{ id: string; amount: number }>;
  byTeam: Array<{ id: string; amount: number }>;
  byClient: Array<{ id: string; amount: number }>;
}
interface Member {
  userId: string;
  email: string;
  name?: string;
}

const FILTERS = ['kind', 'userId', 'keyId', 'teamId', 'clientId', 'from', 'to'] as const;

/** The filters of the log from the page's query string; dates (yyyy-mm-dd) are whole days, UTC. */
function filtersOf(ctx: Context): Record<string, string> {
  const filters: Record<string, string> = {};
  for (const name of FILTERS) {
    const value = ctx.query[name];
    if (typeof value === 'string' && value.trim()) filters[name] = value.trim().slice(0, 200);
  }
  return filters;
}
function asQuery(filters: Record<string, string>) {
  const query: Record<string, string> = { ...filters };
  if (query.from && /^\d{4}-\d{2}-\d{2}$/.test(query.from)) query.from = `${query.from}T00:00:00Z`;
  if (query.to && /^\d{4}-\d{2}-\d{2}$/.test(query.to)) {
    query.to = new Date(Date.parse(`${query.to}T00:00:00Z`) + 86_400_000).toISOString();
  }
  return query;
}

/** The people, keys, teams and clients a page of the log and its usage mention. */
function mentionsOf(entries: Entry[], usage: Usage | undefined): Mention[] {
  const mentions: Mention[] = entries.flatMap(({ attribution }) => [
    { type: 'user', id: attribution.userId ?? '' },
    { type: 'api_key', id: attribution.keyId ?? '' },
    { type: 'team', id: attribution.teamId ?? '' },
    { type: 'client', id: attribution.clientId ?? '' },
  ]);
  if (!usage) return mentions;
  for (const [type, rows] of [
    ['user', usage.byMember],
    ['api_key', usage.byKey],
    ['team', usage.byTeam],
    ['client', usage.byClient],
  ] as const) {
    mentions.push(...rows.map((r) => ({ type, id: r.id })));
  }
  return mentions;
}

/** Transactions tab: the balance; adding and deducting credits; the log with filters; usage. */
export function transactionPages(router: Router, deps: ConsoleDeps): void {
  const transactionsPage = async (ctx: Context, failure?: Failure) => {
    const orgId = ctx.params.orgId ?? '';
    const standing = stateOf(ctx).org?.standing ?? 'member';
    const mayLog = can(standing, 'credits.log');
    const filters = mayLog ? filtersOf(ctx) : {};
    const query = asQuery(filters);
    const period = { ...(query.from ? { from: query.from } : {}), ...(query.to ? { to: query.to } : {}) };
    const cursor = typeof ctx.query.cursor === 'string' ? { cursor: ctx.query.cursor } : {};
    let filterFailure: Failure | undefined;
    const firstPage = <T>(operationId: string) =>
      mayLog ? call<Page<T>>(ctx, deps, operationId, { params: { orgId }, query: { limit: '100' } }) : undefined;
    const [credits, log, usage, members, teams, keys, clients] = await Promise.all([
      call<{ balance: number; overdraftLimit: number }>(ctx, deps, 'getCredits', { params: { orgId } }),
      mayLog
        ? call<Page<Entry>>(ctx, deps, 'listCreditTransactions', {
            params: { orgId },
            query: { ...query, ...cursor, limit: '25' },
          }).catch(async (error) => {
            filterFailure = await attempt(ctx, 'filters', () => Promise.reject(error));
            return { items: [], nextCursor: null } as Page<Entry>;
          })
        : undefined,
      mayLog
        ? call<Usage>(ctx, deps, 'getCreditUsage', { params: { orgId }, query: period }).catch(() => undefined)
        : undefined,
      firstPage<Member>('listMembers'),
      firstPage<{ id: string; name: string }>('listOrgTeams'),
      // The filters offer keys and clients by name.
      firstPage<{ id: string; name: string; userId: string }>('listApiKeys'),
      firstPage<{ clientId: string; name?: string | null }>('listClients'),
    ]);
    // Who spent, with which key, team and client: by name, looked up once for the page.
    const mentions = [
      ...(keys?.items ?? []).map((k) => ({ type: 'api_key', id: k.id })),
      ...(clients?.items ?? []).map((c) => ({ type: 'client', id: c.clientId })),
      { type: 'api_key', id: filters.keyId ?? '' },
      { type: 'client', id: filters.clientId ?? '' },
      ...mentionsOf(log?.items ?? [], usage),
    ];
    const names = mayLog ? await nameParticipants(deps.api.db, orgId, mentions) : new Map<string, string>();
    for (const t of teams?.items ?? []) names.set(`team:${t.id}`, t.name);
    const nextQuery = log?.nextCursor ? new URLSearchParams({ ...filters, cursor: log.nextCursor }).toString() : '';
    show(ctx, 'org-transactions', {
      title: `Transactions · ${stateOf(ctx).org?.name}`,
      tab: 'transactions',
      credits,
      log,
      usage,
      members: members?.items ?? [],
      teams: teams?.items ?? [],
      // A filter on a key or client not listed (revoked, another organization's app) stays selectable.
      keyIds: [...new Set([...(keys?.items ?? []).map((k) => k.id), filters.keyId ?? ''])].filter(Boolean),
      clientIds: [...new Set([...(clients?.items ?? []).map((c) => c.clientId), filters.clientId ?? ''])].filter(
        Boolean,
      ),
      nameOf: (type: string, id: string | null) => (id ? names.get(`${type}:${id}`) : undefined),
      filters,
      nextQuery,
      mayChange: can(standing, 'credits.add'),
      idempotencyKey: randomUUID(),
      failure: failure ?? filterFailure,
    });
  };

  router.get('/orgs/:orgId/transactions', async (ctx) => transactionsPage(ctx));

  router.post('/orgs/:orgId/transactions/overdraft', async (ctx) => {
    const orgId = ctx.params.orgId ?? '';
    const failure = await attempt(ctx, 'overdraft', async () => {
      const limit = field(ctx, 'limit').trim();
      await call(ctx, deps, 'setOverdraftLimit', {
        params: { orgId },
        body: { limit: /^\d+$/.test(limit) ? Number(limit) : limit },
      });
    });
    if (failure) return transactionsPage(ctx, failure);
    await done(ctx, deps, 'The overdraft limit was saved.', `/console/orgs/${orgId}/transactions`);
  });

  for (const [path, operationId, message] of [
    ['add', 'addCredits', 'Credits were added.'],
    ['deduct', 'debitCredits', 'Credits were deducted.'],
  ] as const) {
    router.post(`/orgs/:orgId/transactions/${path}`, async (ctx) => {
      const orgId = ctx.params.orgId ?? '';
      const failure = await attempt(ctx, path, async () => {
        // A manual deduction is an adjustment, for those who may add credits too.
        authorize(stateOf(ctx).org?.standing ?? 'member', 'credits.add');
        const amount = field(ctx, 'amount').trim();
        await call(ctx, deps, operationId, {
          params: { orgId },
          body: { amount: /^-?\d+$/.test(amount) ? Number(amount) : amount, description: field(ctx, 'description') },
          // One key per rendered form: submitting it twice changes the balance once.
          headers: { 'idempotency-key': field(ctx, 'idempotencyKey') || randomUUID() },
        });
      });
      if (failure) return transactionsPage(ctx, failure);
      await done(ctx, deps, message, `/console/orgs/${orgId}/transactions`);
    });
  }
}
