import type Router from '@koa/router';
import type { Context } from 'koa';
import type { z } from 'zod';
import type { apiKeySchema } from '../../api/schemas.js';
import { nameParticipants } from '../../audit/participants.js';
import type { Page } from '../../stores/pagination.js';
import { confirmedOrAsk, shownName } from '../confirm.js';
import { attempt, type ConsoleDeps, call, type Failure, field, show, stateOf, userOf } from '../context.js';
import { done } from './auth.js';
import { pageQueryOf } from './members.js';

type ApiKey = z.output<typeof apiKeySchema>;

/** A date field (yyyy-mm-dd) means the end of that day, UTC; anything else is passed on to be refused. */
function expiryOf(value: string): string | undefined {
  if (!value) return undefined;
  return /^\d{4}-\d{2}-\d{2}$/.test(value) ? `${value}T23:59:59Z` : value;
}

/** API keys tab: a member's own keys in this organization (admins see everyone's, never the secrets). */
export function apiKeyPages(router: Router, deps: ConsoleDeps): void {
  const keysPage = async (ctx: Context, extra: { failure?: Failure } = {}) => {
    const orgId = ctx.params.orgId ?? '';
    const [keys, teams] = await Promise.all([
      call<Page<ApiKey>>(ctx, deps, 'listApiKeys', { params: { orgId }, query: pageQueryOf(ctx) }),
      call<Page<{ id: string; name: string }>>(ctx, deps, 'listOrgTeams', {
        params: { orgId },
        query: { limit: '100' },
      }),
    ]);
    // Admins see other members' keys: by their owner's name, not an id.
    const names = await nameParticipants(
      deps.api.db,
      orgId,
      keys.items.map((k) => ({ type: 'user', id: k.userId })),
    );
    show(ctx, 'org-api-keys', {
      title: `API keys · ${stateOf(ctx).org?.name}`,
      tab: 'api-keys',
      keys,
      teams: teams.items,
      teamName: (id: string | null) => (id ? (teams.items.find((t) => t.id === id)?.name ?? id) : '—'),
      me: userOf(ctx)._id,
      owner: (userId: string) => names.get(`user:${userId}`) ?? userId,
      issuer: deps.api.config.issuer,
      ...extra,
    });
  };

  router.get('/orgs/:orgId/api-keys', async (ctx) => keysPage(ctx));

  router.post('/orgs/:orgId/api-keys', async (ctx) => {
    const orgId = ctx.params.orgId ?? '';
    let created: ApiKey | undefined;
    const failure = await attempt(ctx, 'create', async () => {
      created = await call<ApiKey>(ctx, deps, 'createApiKey', {
        params: { orgId },
        body: {
          name: field(ctx, 'name'),
          scopes: field(ctx, 'scopes')
            .split(/[\s,]+/)
            .filter(Boolean),
          ...(field(ctx, 'teamId') ? { teamId: field(ctx, 'teamId') } : {}),
          expiresAt: expiryOf(field(ctx, 'expiresAt')),
        },
      });
    });
    if (failure || !created) return keysPage(ctx, { failure });
    // The secret is shown on the next page only; it is stored hashed.
    await done(ctx, deps, 'The key was created.', `/console/orgs/${orgId}/api-keys`, {
      keyName: created.name,
      key: created.key ?? '',
    });
  });

  router.post('/orgs/:orgId/api-keys/:keyId/revoke', async (ctx) => {
    const { orgId = '', keyId = '' } = ctx.params;
    const asked = confirmedOrAsk(ctx, {
      title: 'Revoke this API key?',
      message: `${shownName(ctx, keyId)} stops working at once, everywhere it is used. This cannot be undone.`,
      button: 'Revoke key',
      back: `/console/orgs/${orgId}/api-keys`,
      tab: 'api-keys',
    });
    if (!asked) return;
    const failure = await attempt(ctx, 'keys', async () => {
      await call(ctx, deps, 'revokeApiKey', { params: { orgId, keyId } });
    });
    if (failure) return keysPage(ctx, { failure });
    await done(ctx, deps, 'The key was revoked; it stopped working at once.', `/console/orgs/${orgId}/api-keys`);
  });
}
