import type Router from '@koa/router';
import type { Context } from 'koa';
import type { z } from 'zod';
import type { approvalSchema, clientSchema, organizationSchema } from '../../api/schemas.js';
import { nameParticipants } from '../../audit/participants.js';
import { can } from '../../orgs/policy.js';
import type { Page } from '../../stores/pagination.js';
import { confirmedOrAsk, shownName } from '../confirm.js';
import { attempt, type ConsoleDeps, call, type Failure, field, show, stateOf } from '../context.js';
import { done } from './auth.js';

type Client = z.output<typeof clientSchema>;
type Approval = z.output<typeof approvalSchema>;
type Organization = z.output<typeof organizationSchema>;

const lines = (value: string) =>
  value
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter(Boolean);

/** Apps tab: the organization's OAuth clients, which third-party apps it allows, and its connected apps. */
export function appPages(router: Router, deps: ConsoleDeps): void {
  const appsPage = async (ctx: Context, extra: { failure?: Failure } = {}) => {
    const orgId = ctx.params.orgId ?? '';
    const standing = stateOf(ctx).org?.standing ?? 'member';
    const admin = can(standing, 'clients.manage');
    const params = { orgId };
    // Each list pages on its own: ?connected=CURSOR, ?clients=CURSOR, ?approvals=CURSOR.
    const pageOf = (list: string) => {
      const cursor = ctx.query[list];
      return typeof cursor === 'string' && cursor ? { cursor, limit: '25' } : { limit: '25' };
    };
    const [connected, clients, approvals, organization, blockedHosts] = await Promise.all([
      call<Page<{ userId: string }>>(ctx, deps, 'listConnectedApps', { params, query: pageOf('connected') }),
      admin ? call<Page<Client>>(ctx, deps, 'listClients', { params, query: pageOf('clients') }) : undefined,
      admin
        ? call<Page<Approval>>(ctx, deps, 'listApprovals', {
            params: { orgId, kind: 'client' },
            query: pageOf('approvals'),
          })
        : undefined,
      call<Organization>(ctx, deps, 'getOrganization', { params }),
      admin
        ? call<Page<{ host: string }>>(ctx, deps, 'listBlockedHosts', { params, query: pageOf('blocked') })
        : undefined,
    ]);
    // People, and the apps an approval names, by name.
    const names = await nameParticipants(deps.api.db, orgId, [
      ...connected.items.map((g) => ({ type: 'user', id: g.userId })),
      ...(approvals?.items ?? []).map((a) => ({ type: 'client', id: a.ref })),
    ]);
    const nextPage = (list: string, cursor: string | null | undefined) =>
      cursor ? `?${new URLSearchParams({ [list]: cursor }).toString()}` : undefined;
    show(ctx, 'org-apps', {
      title: `Apps · ${stateOf(ctx).org?.name}`,
      tab: 'apps',
      admin,
      connected: connected.items,
      clients: clients?.items ?? [],
      approvals: approvals?.items ?? [],
      blockedHosts: blockedHosts?.items ?? [],
      next: {
        connected: nextPage('connected', connected.nextCursor),
        clients: nextPage('clients', clients?.nextCursor),
        approvals: nextPage('approvals', approvals?.nextCursor),
        blocked: nextPage('blocked', blockedHosts?.nextCursor),
      },
      who: (userId: string) => names.get(`user:${userId}`) ?? userId,
      appName: (ref: string) => names.get(`client:${ref}`),
      organization,
      ...extra,
    });
  };
  const back = (orgId: string) => `/console/orgs/${orgId}/apps`;

  router.get('/orgs/:orgId/apps', async (ctx) => appsPage(ctx));

  router.post('/orgs/:orgId/apps/clients', async (ctx) => {
    const orgId = ctx.params.orgId ?? '';
    let created: Client | undefined;
    const failure = await attempt(ctx, 'client', async () => {
      const machine = field(ctx, 'machine') === 'on';
      created = await call<Client>(ctx, deps, 'registerClient', {
        params: { orgId },
        body: {
          name: field(ctx, 'name'),
          redirectUris: lines(field(ctx, 'redirectUris')),
          public: field(ctx, 'type') === 'public',
          grantTypes: machine ? ['client_credentials'] : ['authorization_code', 'refresh_token'],
          ...(field(ctx, 'scope') ? { scope: field(ctx, 'scope') } : {}),
        },
      });
    });
    if (failure || !created) return appsPage(ctx, { failure });
    await done(ctx, deps, `Client “${created.name}” was registered.`, back(orgId), {
      clientId: created.clientId,
      ...(created.clientSecret ? { clientSecret: created.clientSecret } : {}),
    });
  });

  const clientPage = async (ctx: Context, extra: { failure?: Failure } = {}) => {
    const { orgId = '', clientId = '' } = ctx.params;
    const client = await call<Client>(ctx, deps, 'getClient', { params: { orgId, clientId } });
    show(ctx, 'org-client', { title: `${client.name ?? client.clientId} · Apps`, tab: 'apps', client, ...extra });
  };
  const clientBack = (orgId: string, clientId: string) => `${back(orgId)}/clients/${encodeURIComponent(clientId)}`;

  router.get('/orgs/:orgId/apps/clients/:clientId', async (ctx) => clientPage(ctx));

  router.post('/orgs/:orgId/apps/clients/:clientId', async (ctx) => {
    const { orgId = '', clientId = '' } = ctx.params;
    const failure = await attempt(ctx, 'client', async () => {
      await call(ctx, deps, 'updateClient', {
        params: { orgId, clientId },
        body: { name: field(ctx, 'name'), redirectUris: lines(field(ctx, 'redirectUris')) },
      });
    });
    if (failure) return clientPage(ctx, { failure });
    await done(ctx, deps, 'The client was saved.', clientBack(orgId, clientId));
  });

  router.post('/orgs/:orgId/apps/clients/:clientId/secret', async (ctx) => {
    const { orgId = '', clientId = '' } = ctx.params;
    const asked = confirmedOrAsk(ctx, {
      title: 'Rotate this client’s secret?',
      message: `${shownName(ctx, clientId)} gets a new secret, shown once; the current one stops working at once, so every server using it must be given the new one.`,
      button: 'Rotate secret',
      back: clientBack(orgId, clientId),
      tab: 'apps',
    });
    if (!asked) return;
    let secret: string | undefined;
    const failure = await attempt(ctx, 'secret', async () => {
      secret = (await call<Client>(ctx, deps, 'rotateClientSecret', { params: { orgId, clientId } })).clientSecret;
    });
    if (failure || !secret) return clientPage(ctx, { failure });
    await done(ctx, deps, 'A new secret was issued; the previous one stopped working.', clientBack(orgId, clientId), {
      clientSecret: secret,
    });
  });

  router.post('/orgs/:orgId/apps/clients/:clientId/delete', async (ctx) => {
    const { orgId = '', clientId = '' } = ctx.params;
    const asked = confirmedOrAsk(ctx, {
      title: 'Delete this client?',
      message: `${shownName(ctx, clientId)} is deleted with its grants: every token issued to it stops working at once. This cannot be undone.`,
      button: 'Delete client',
      back: clientBack(orgId, clientId),
      tab: 'apps',
    });
    if (!asked) return;
    const failure = await attempt(ctx, 'delete', async () => {
      await call(ctx, deps, 'deleteClient', { params: { orgId, clientId } });
    });
    if (failure) return clientPage(ctx, { failure });
    await done(ctx, deps, 'The client was deleted; its tokens stopped working.', back(orgId));
  });

  router.post('/orgs/:orgId/apps/policy', async (ctx) => {
    const orgId = ctx.params.orgId ?? '';
    const failure = await attempt(ctx, 'policy', async () => {
      await call(ctx, deps, 'setAppPolicy', {
        params: { orgId },
        body: { clientPolicy: field(ctx, 'clientPolicy'), resourcePolicy: field(ctx, 'resourcePolicy') },
      });
    });
    if (failure) return appsPage(ctx, { failure });
    await done(ctx, deps, 'The app policy was saved.', back(orgId));
  });

  router.post('/orgs/:orgId/apps/approvals', async (ctx) => {
    const orgId = ctx.params.orgId ?? '';
    const failure = await attempt(ctx, 'approve', async () => {
      await call(ctx, deps, 'approve', { params: { orgId, kind: 'client' }, body: { ref: field(ctx, 'ref').trim() } });
    });
    if (failure) return appsPage(ctx, { failure });
    await done(ctx, deps, 'The app was approved for this organization.', back(orgId));
  });

  router.post('/orgs/:orgId/apps/approvals/withdraw', async (ctx) => {
    const orgId = ctx.params.orgId ?? '';
    const asked = confirmedOrAsk(ctx, {
      title: 'Withdraw this approval?',
      message: `People of this organization can no longer authorize ${field(ctx, 'ref')} (apps already connected keep working until revoked).`,
      button: 'Withdraw approval',
      back: back(orgId),
      keep: ['ref'],
      tab: 'apps',
    });
    if (!asked) return;
    const failure = await attempt(ctx, 'approvals', async () => {
      await call(ctx, deps, 'withdrawApproval', {
        params: { orgId, kind: 'client' },
        query: { ref: field(ctx, 'ref') },
      });
    });
    if (failure) return appsPage(ctx, { failure });
    await done(ctx, deps, 'The approval was withdrawn.', back(orgId));
  });

  router.post('/orgs/:orgId/apps/blocked-hosts', async (ctx) => {
    const orgId = ctx.params.orgId ?? '';
    const failure = await attempt(ctx, 'block', async () => {
      await call(ctx, deps, 'blockHost', { params: { orgId }, body: { host: field(ctx, 'host').trim() } });
    });
    if (failure) return appsPage(ctx, { failure });
    await done(ctx, deps, 'Apps from that host can no longer be authorized in this organization.', back(orgId));
  });

  router.post('/orgs/:orgId/apps/blocked-hosts/unblock', async (ctx) => {
    const orgId = ctx.params.orgId ?? '';
    const failure = await attempt(ctx, 'blocked', async () => {
      await call(ctx, deps, 'unblockHost', { params: { orgId }, query: { host: field(ctx, 'host') } });
    });
    if (failure) return appsPage(ctx, { failure });
    await done(ctx, deps, 'The host was unblocked.', back(orgId));
  });

  router.post('/orgs/:orgId/apps/connected/:grantId/revoke', async (ctx) => {
    const { orgId = '', grantId = '' } = ctx.params;
    const asked = confirmedOrAsk(ctx, {
      title: 'Disconnect this app?',
      message: `${shownName(ctx, 'The app')} loses access at once: its tokens stop working, and using it again needs a new authorization.`,
      button: 'Disconnect app',
      back: back(orgId),
      tab: 'apps',
    });
    if (!asked) return;
    const failure = await attempt(ctx, 'connected', async () => {
      await call(ctx, deps, 'revokeConnectedApp', { params: { orgId, grantId } });
    });
    if (failure) return appsPage(ctx, { failure });
    await done(ctx, deps, 'The app was disconnected; its tokens stopped working.', back(orgId));
  });
}
