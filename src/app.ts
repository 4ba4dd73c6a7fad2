import Koa from 'koa';
import compose from 'koa-compose';
import mount from 'koa-mount';
import type { Logger } from 'pino';
import { API_SCOPE, adminApi, apiNotFound, apiRateLimits, apiResource } from './api/index.js';
import { apiKeyIntrospectionRoutes } from './apikeys/introspection.js';
import type { Config } from './config.js';
import { consoleNotFound, consoleRoutes, consoleSessions } from './console/index.js';
import { docsRoutes } from './http/docs.js';
import { errorBoundary } from './http/errors.js';
import { healthRoutes } from './http/health.js';
import { requestContext } from './http/request-context.js';
import { securityHeaders } from './http/security-headers.js';
import { assetRoutes } from './http/views.js';
import { codeReadAheadRiders } from './oidc/code-read-ahead.js';
import { hashPresentedClientSecrets, tokenEndpointRateLimit } from './oidc/hashed-client-secrets.js';
import type { Oidc } from './oidc/index.js';
import { createLoginLimiter } from './oidc/interactions/login-limiter.js';
import { interactionRoutes } from './oidc/interactions/routes.js';
import { discoveryAliases, publicEndpointCors, registrationRateLimit } from './oidc/mcp-edge.js';
import { oauthMethodErrors } from './oidc/oauth-method-errors.js';
import { oauthOutageAnswers } from './oidc/outage-answers.js';
import { refreshReplayWindow } from './oidc/refresh-replay.js';
import { refuseEncodedBodies } from './oidc/request-encoding.js';
import { writesBeforeAnswer } from './oidc/writes-before-answer.js';
import { protectedResourceMetadata } from './resource/protected-resource-metadata.js';
import type { RevocationFeed } from './resource/revocation-feed.js';
import type { Stores } from './stores/index.js';

export interface AppDeps {
  config: Config;
  stores: Stores;
  logger: Logger;
  oidc: Oidc;
  /** Revocation notices for the admin API's own token checks. */
  revocation?: RevocationFeed;
}

/**
 * oidc-provider's endpoints that every token request, introspection or key fetch reaches: no route of
 * ours answers them, so they skip matching against every router's routes.
 */
const PROVIDER_HOT_PATHS = new Set(['/token', '/token/introspection', '/token/revocation', '/jwks']);

/**
 * Composes the Koa app: request context and security headers, the error boundary, our routes
 * (health, assets, sign-in/consent pages, the console), then oidc-provider for everything else.
 */
export function buildApp({ config, stores, logger, oidc, revocation }: AppDeps): Koa {
  const app = new Koa({ proxy: config.trustProxy });
  app.keys = oidc.cookieKeys;
  app.silent = true;
  app.use(requestContext(logger));
  // Pages set their own strict CSP (http/views.ts); oidc-provider sets what its responses need.
  app.use(securityHeaders({ contentSecurityPolicy: false }));
  app.use(errorBoundary());
  app.use(apiNotFound());
  app.use(
    apiRateLimits(stores.redis, {
      perCredential: config.apiRateLimit,
      debitsPerOrg: config.debitRateLimit,
      authFailuresPerIp: config.apiAuthFailuresPerIp,
    }),
  );
  app.use(consoleNotFound());
  app.use(
    protectedResourceMetadata({
      resource: apiResource(config.issuer),
      issuer: config.issuer,
      scopes: [API_SCOPE],
      resourceName: 'Orgauth admin API',
    }),
  );
  const apiDeps = {
    config,
    db: stores.db,
    provider: oidc.provider,
    publisher: oidc.publisher,
    publicJwks: oidc.publicJwks,
    revocation,
  };
  const loginLimiter = createLoginLimiter(stores.redis, {
    perAccount: config.loginMaxFailures,
    perIp: config.loginMaxFailuresPerIp,
  });
  const sessions = consoleSessions(stores.redis, config.secretKey);
  const routers = [
    adminApi(apiDeps, oidc.publicJwks, revocation),
    apiKeyIntrospectionRoutes(oidc.provider, stores.db),
    healthRoutes(stores),
    docsRoutes(),
    assetRoutes(config.issuer),
    interactionRoutes({ config, stores, provider: oidc.provider, loginLimiter }),
    consoleRoutes({ api: apiDeps, sessions, loginLimiter }),
  ];
  const routed = compose<Koa.Context>(
    routers.flatMap((router) => [router.routes(), router.allowedMethods()]) as Koa.Middleware[],
  );
  app.use((ctx, next) => (PROVIDER_HOT_PATHS.has(ctx.path) ? next() : routed(ctx, next)));
  app.use(oauthOutageAnswers());
  app.use(publicEndpointCors());
  app.use(discoveryAliases());
  app.use(refuseEncodedBodies());
  if (config.registration !== 'off') app.use(registrationRateLimit(stores.redis, config.registrationRateLimit));
  app.use(hashPresentedClientSecrets());
  const refreshReplay = refreshReplayWindow(stores.redis, config.refreshReuseWindowSeconds, logger);
  app.use(tokenEndpointRateLimit(stores.redis, config.tokenRateLimit, [refreshReplay.riders, codeReadAheadRiders]));
  app.use(refreshReplay.middleware);
  app.use(oauthMethodErrors());
  app.use(writesBeforeAnswer(logger));
  app.use(mount(oidc.provider));
  return app;
}
