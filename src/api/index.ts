import type { JSONWebKeySet } from 'jose';
import type { RevocationFeed } from '../resource/revocation-feed.js';
import { apiAuthenticator } from './caller.js';
import type { ApiDeps } from './deps.js';
import { apiRouter } from './router.js';
import { accessRoutes } from './routes/access.js';
import { apiKeyRoutes } from './routes/api-keys.js';
import { blockedHostRoutes } from './routes/blocked-hosts.js';
import { clientRoutes } from './routes/clients.js';
import { creditRoutes } from './routes/credits.js';
import { memberRoutes } from './routes/members.js';
import { organizationRoutes } from './routes/organizations.js';
import { teamRoutes } from './routes/teams.js';

export const API_ROUTES = [
  ...organizationRoutes,
  ...memberRoutes,
  ...teamRoutes,
  ...apiKeyRoutes,
  ...clientRoutes,
  ...accessRoutes,
  ...blockedHostRoutes,
  ...creditRoutes,
];

/** The admin API under /api/v1. */
export function adminApi(deps: ApiDeps, publicJwks: JSONWebKeySet, revocation?: RevocationFeed) {
  return apiRouter(deps, API_ROUTES, apiAuthenticator(deps, publicJwks, revocation));
}

export { API_SCOPE, apiResource } from './caller.js';
export { type ApiLimits, apiRateLimits } from './rate-limits.js';
export { apiNotFound } from './router.js';
