import Router from '@koa/router';
import type { Context } from 'koa';
import type Provider from 'oidc-provider';
import { errors, type InteractionResults } from 'oidc-provider';
import type { Config } from '../../config.js';
import { csrfToken, isValidCsrfToken } from '../../http/csrf.js';
import { formBody } from '../../http/forms.js';
import { renderErrorPage, renderPage, renderStoreOutage, renderUnreadableRequest } from '../../http/views.js';
import { appRefusal } from '../../orgs/approvals.js';
import type { Stores } from '../../stores/index.js';
import { isStoreOutage } from '../../stores/outage.js';
import { emailSchema } from '../../users/schema.js';
import { authenticate, findUserById } from '../../users/service.js';
import { documentConsentFacts } from '../client-id-metadata/consent-facts.js';
import type { LoginLimiter } from './login-limiter.js';
import { type ConsentDetails, type EligibleOrg, eligibleOrganizations, issueOrgBoundGrant } from './org-choice.js';
import { organizationNamedByResources, requestedResources } from './resource-org.js';
import { describeScopes } from './scope-words.js';
import { interactionSignUp } from './sign-up.js';

type Details = Awaited<ReturnType<Provider['interactionDetails']>>;
type Client = NonNullable<Awaited<ReturnType<Provider['Client']['find']>>>;

export interface InteractionDeps {
  config: Config;
  stores: Stores;
  provider: Provider;
  loginLimiter: LoginLimiter;
}

/** The sign-in and consent pages oidc-provider sends people to (`/interaction/:uid`). */
export function interactionRoutes({ config, stores, provider, loginLimiter }: InteractionDeps): Router {
  const { db } = stores;
  const router = new Router({ prefix: '/interaction/:uid' });
  const form = formBody('16kb');

  router.use(async (ctx, next) => {
    try {
      await next();
    } catch (error) {
      renderInteractionError(ctx, error);
    }
  });

  const finish = async (ctx: Context, result: InteractionResults, merge: boolean) => {
    const url = await provider.interactionResult(ctx.req, ctx.res, result, { mergeWithLastSubmission: merge });
    ctx.status = 303;
    ctx.redirect(url);
  };

  const clientOf = async (details: Details) => provider.Client.find(String(details.params.client_id));

  /** Allows the form posts of this page to end on the client's redirect URI (CSP form-action). */
  const pageCsp = (details: Details) => {
    const redirect = URL.parse(String(details.params.redirect_uri ?? ''));
    const target = redirect ? (redirect.origin !== 'null' ? redirect.origin : redirect.protocol) : '';
    return `'self' ${target}`.trim();
  };

  const renderLogin = async (ctx: Context, details: Details, extra: { error?: string; email?: string } = {}) => {
    const client = await clientOf(details);
    ctx.state.formAction = pageCsp(details);
    renderPage(
      ctx,
      'interaction/login',
      {
        title: 'Sign in',
        uid: details.uid,
        csrf: csrfToken(config.secretKey, `interaction:${details.uid}`),
        clientName: client?.clientName,
        ...extra,
      },
      extra.error ? 401 : 200,
    );
  };

  /** Why the chosen organization does not allow this app (its approval policy), if it does not. */
  const refusal = (details: Details, client: Client, orgId: string) =>
    appRefusal(db, orgId, {
      clientId: client.clientId,
      clientName: client.clientName ?? client.clientId,
      clientOrgId: client.metadata().org_id,
      resources: [details.params.resource ?? []].flat().filter((r): r is string => typeof r === 'string'),
    });

  /**
   * The organizations the consent page offers. A per-organization resource URL leaves only the one it
   * names (the person chose it by adding that URL); when that one cannot be chosen, this renders the
   * refusal page and answers undefined.
   */
  const offeredOrganizations = async (
    ctx: Context,
    details: Details,
    client: Client,
    userId: string,
  ): Promise<{ organizations: EligibleOrg[]; namedBy?: string } | undefined> => {
    const ownerOrg = client.metadata().org_id;
    const eligible = await eligibleOrganizations(db, userId, ownerOrg);
    const named = await organizationNamedByResources(db, requestedResources(details.params));
    if (!named) return { organizations: eligible };
    const urls = requestedResources(details.params).join(', ');
    if ('conflict' in named) {
      renderErrorPage(ctx, {
        status: 400,
        heading: 'These server URLs belong to different organizations',
        message: `The app asked for ${urls}, which name more than one organization; one authorization is for one organization.`,
        hint: 'Add each organization’s URL to the app separately.',
      });
      return undefined;
    }
    const offered = eligible.filter((o) => o.id === named.orgId);
    if (offered.length === 0) {
      renderErrorPage(ctx, {
        status: 403,
        heading: 'You cannot authorize this app for this organization',
        message:
          typeof ownerOrg === 'string' && ownerOrg !== named.orgId
            ? `The server URL ${urls} belongs to another organization than ${client.clientName ?? 'this app'}.`
            : `The server URL ${urls} belongs to an organization you are not a member of.`,
        hint: 'Check the URL you added to the app, or ask an administrator of that organization to invite you.',
      });
      return undefined;
    }
    const refused = await refusal(details, client, named.orgId);
    if (refused) {
      renderErrorPage(ctx, {
        status: 403,
        heading: `${offered[0]?.name ?? 'This organization'} does not allow this app`,
        message: refused,
        hint: `The server URL ${urls} belongs to ${offered[0]?.name ?? 'this organization'}, so no other organization can be chosen for it.`,
      });
      return undefined;
    }
    return { organizations: offered, namedBy: urls };
  };

  const showConsent = async (ctx: Context, details: Details, error?: string) => {
    const client = await clientOf(details);
    const userId = details.session?.accountId;
    if (!client || !userId) throw new errors.SessionNotFound('interaction lost its client or session');
    const user = await findUserById(db, userId);
    const offer = await offeredOrganizations(ctx, details, client, userId);
    if (!offer) return;
    const eligible = offer.organizations;
    if (eligible.length === 0) {
      renderErrorPage(ctx, {
        status: 403,
        heading: 'You cannot authorize this app',
        message: `${client.clientName ?? 'This app'} belongs to an organization you are not a member of.`,
        hint: 'Ask an administrator of that organization to invite you, then try again.',
      });
      return;
    }
    const hint = details.params.organization;
    if (typeof hint === 'string' && !eligible.some((o) => o.id === hint)) {
      await finish(
        ctx,
        { error: 'access_denied', error_description: 'the requested organization is not available to this account' },
        false,
      );
      return;
    }
    const prompt = details.prompt.details as ConsentDetails;
    const chosen = typeof hint === 'string' ? hint : eligible.length === 1 ? eligible[0]?.id : undefined;
    if (client.metadata().first_party === true && chosen && !(await refusal(details, client, chosen))) {
      const grantId = await issueOrgBoundGrant(provider, db, {
        userId,
        clientId: client.clientId,
        orgId: chosen,
        details: prompt,
      });
      await finish(ctx, { consent: { grantId } }, true);
      return;
    }
    const scopes = String(details.params.scope ?? '')
      .split(' ')
      .filter(Boolean);
    ctx.state.formAction = pageCsp(details);
    renderPage(
      ctx,
      'interaction/consent',
      {
        title: `Authorize ${client.clientName ?? client.clientId}`,
        uid: details.uid,
        csrf: csrfToken(config.secretKey, `interaction:${details.uid}`),
        clientName: client.clientName ?? client.clientId,
        thirdParty: client.metadata().first_party !== true,
        document: documentConsentFacts(client.clientId, client.redirectUris ?? [], details.params.redirect_uri),
        email: user?.email ?? '',
        scopes: describeScopes(scopes, prompt.missingResourceScopes ?? {}),
        organizations: eligible,
        namedBy: offer.namedBy,
        selected: chosen,
        error,
      },
      error ? 400 : 200,
    );
  };

  router.get('/', async (ctx) => {
    const details = await provider.interactionDetails(ctx.req, ctx.res);
    if (details.uid !== ctx.params.uid) throw new errors.SessionNotFound('interaction mismatch');
    if (details.prompt.name === 'login') return renderLogin(ctx, details);
    if (details.prompt.name === 'consent') return showConsent(ctx, details);
    throw new errors.InvalidRequest(`unsupported prompt ${details.prompt.name}`);
  });

  const postedDetails = async (ctx: Context, promptName?: string) => {
    const details = await provider.interactionDetails(ctx.req, ctx.res);
    const body = (ctx.request.body ?? {}) as Record<string, unknown>;
    if (
      details.uid !== ctx.params.uid ||
      !isValidCsrfToken(config.secretKey, `interaction:${details.uid}`, body.csrf)
    ) {
      throw new CsrfError();
    }
    if (promptName && details.prompt.name !== promptName) throw new errors.SessionNotFound('interaction moved on');
    return { details, body };
  };

  router.post('/login', form, async (ctx) => {
    const { details, body } = await postedDetails(ctx, 'login');
    const email = typeof body.email === 'string' ? body.email.slice(0, 320) : '';
    const password = typeof body.password === 'string' ? body.password.slice(0, 1024) : '';
    const parsed = emailSchema.safeParse(email);
    if (!parsed.success || !password)
      return renderLogin(ctx, details, { error: 'Enter your email and password.', email });
    const wait = await loginLimiter.check(ctx.ip, parsed.data);
    if (wait) {
      ctx.set('Retry-After', String(wait));
      renderLogin(ctx, details, { error: `Too many attempts. Try again in ${wait} seconds.`, email });
      ctx.status = 429;
      return;
    }
    const user = await authenticate(db, parsed.data, password);
    if (!user) {
      await loginLimiter.fail(ctx.ip, parsed.data);
      return renderLogin(ctx, details, { error: 'Email or password is incorrect.', email });
    }
    await loginLimiter.succeed(ctx.ip, parsed.data);
    await finish(ctx, { login: { accountId: user._id } }, false);
  });

  router.post('/consent', form, async (ctx) => {
    const { details, body } = await postedDetails(ctx, 'consent');
    const userId = details.session?.accountId;
    const client = await clientOf(details);
    if (!userId || !client) throw new errors.SessionNotFound('interaction lost its client or session');
    const eligible = (await offeredOrganizations(ctx, details, client, userId))?.organizations;
    if (!eligible) return;
    const orgId = typeof body.organization === 'string' ? body.organization : '';
    const hint = details.params.organization;
    const allowed = eligible.some((o) => o.id === orgId) && (typeof hint !== 'string' || hint === orgId);
    if (!allowed) return showConsent(ctx, details, 'Choose one of your organizations.');
    const refused = await refusal(details, client, orgId);
    if (refused) return showConsent(ctx, details, refused);
    const grantId = await issueOrgBoundGrant(provider, db, {
      userId,
      clientId: client.clientId,
      orgId,
      details: details.prompt.details as ConsentDetails,
    });
    await finish(ctx, { consent: { grantId } }, true);
  });

  interactionSignUp(router, { db, secretKey: config.secretKey, provider, form, postedDetails, finish, pageCsp });

  router.post('/abort', form, async (ctx) => {
    await postedDetails(ctx);
    await finish(ctx, { error: 'access_denied', error_description: 'the person denied the request' }, false);
  });

  return router;
}

class CsrfError extends Error {}

function renderInteractionError(ctx: Context, error: unknown): void {
  if (isStoreOutage(error)) {
    renderStoreOutage(ctx, 'Sign-in is temporarily unavailable');
    return;
  }
  if (error instanceof CsrfError) {
    renderErrorPage(ctx, {
      status: 403,
      heading: 'This form has expired',
      message: 'The form was not sent from this sign-in page, or the page is too old.',
      hint: 'Go back to the application and start signing in again.',
    });
    return;
  }
  if (error instanceof errors.SessionNotFound || error instanceof errors.OIDCProviderError) {
    renderErrorPage(ctx, {
      status: 400,
      heading: 'This sign-in has expired',
      message:
        'The sign-in request was not found: it expired, was already completed, or was opened in another browser.',
      hint: 'Go back to the application and start again.',
    });
    return;
  }
  if (renderUnreadableRequest(ctx, error)) return;
  throw error;
}
