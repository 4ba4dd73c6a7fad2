import { z } from 'zod';
import type { ApiDeps } from '../api/deps.js';
import { API_ROUTES } from '../api/index.js';
import type { Caller } from '../api/route.js';
import { recordAudit } from '../audit/service.js';
import { ForbiddenError, NotFoundError } from '../errors.js';
import { authorize, type Standing } from '../orgs/policy.js';
import { getMembership, getOrganization } from '../orgs/service.js';
import type { User } from '../users/service.js';
import { parseInput } from '../validation.js';

const routesById = new Map(API_ROUTES.map((route) => [route.operationId, route]));
const emptyObject = z.object({});

export interface Invocation {
  params?: Record<string, string>;
  query?: Record<string, unknown>;
  body?: unknown;
  headers?: Record<string, string>;
}

/**
 * The standing of a signed-in person in an organization: operators act as the platform, members
 * with their live role. Anyone else is told the organization does not exist (nothing leaks).
 */
export async function standingIn(deps: ApiDeps, user: User, orgId: string) {
  const organization = await getOrganization(deps.db, orgId);
  if (user.platformAdmin) return { organization, standing: 'platform' as Standing };
  const membership = await getMembership(deps.db, orgId, user._id);
  if (!membership) throw new NotFoundError('organization not found');
  return { organization, standing: membership.role as Standing };
}

/**
 * Runs an admin API route for the console, as the signed-in person: the same permission check,
 * validation, handler and audit entry as a call to /api/v1, so the pages have no logic of their own.
 */
export async function invoke<T = unknown>(
  deps: ApiDeps,
  user: User,
  requestId: string | undefined,
  operationId: string,
  { params = {}, query = {}, body, headers = {} }: Invocation = {},
): Promise<T> {
  const route = routesById.get(operationId);
  if (!route) throw new Error(`no API route ${operationId}`);
  const access = route.access;
  let standing: Standing | undefined;
  if (access.kind === 'platform' && !user.platformAdmin) throw new ForbiddenError('this page is for platform admins');
  if (access.kind === 'org') {
    standing = (await standingIn(deps, user, params.orgId ?? '')).standing;
    authorize(standing, access.action);
  }
  const caller: Caller = {
    actor: { type: 'user', id: user._id },
    userId: user._id,
    standing,
    keyId: undefined,
  };
  const result = await route.handler({
    params: parseInput(route.params ?? emptyObject, params),
    query: parseInput(route.query ?? emptyObject, query),
    body: route.body ? parseInput(route.body, body ?? {}) : undefined,
    caller,
    deps,
    header: (name) => headers[name],
    requestId,
    audit: (entry) => recordAudit(deps.db, { ...entry, actor: caller.actor, requestId }),
  });
  return result as T;
}
