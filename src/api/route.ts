import type { z } from 'zod';
import type { Actor } from '../audit/service.js';
import type { Action, Standing } from '../orgs/policy.js';
import type { ApiDeps } from './deps.js';

/**
 * Who may call a route: members of the path's organization with a permission (or operators),
 * operators only, or any signed-in person (their own invitations).
 */
export type Access = { kind: 'org'; action: Action } | { kind: 'platform' } | { kind: 'person' };

export interface Caller {
  actor: Actor;
  /** The person behind the credential; absent for platform keys. */
  userId: string | undefined;
  /** Set on organization routes: the caller's live role there, or `platform`. */
  standing: Standing | undefined;
  /** The API key the request came with, if any. */
  keyId: string | undefined;
  /** The OAuth client of an access token, and the token's id. */
  clientId?: string | undefined;
  tokenId?: string | undefined;
}

export interface RouteInput<P, Q, B> {
  params: P;
  query: Q;
  body: B;
  caller: Caller;
  deps: ApiDeps;
  /** A request header (lower-case name), e.g. `idempotency-key`. */
  header(name: string): string | undefined;
  requestId: string | undefined;
  /** Appends to the organization's audit log with this request's actor and id. */
  audit(entry: {
    orgId: string;
    action: string;
    target: { type: string; id: string };
    data?: Record<string, unknown>;
  }): Promise<void>;
}

export interface ApiRoute<
  P extends z.ZodType = z.ZodType,
  Q extends z.ZodType = z.ZodType,
  B extends z.ZodType = z.ZodType,
  R extends z.ZodType = z.ZodType,
> {
  method: 'get' | 'post' | 'put' | 'patch' | 'delete';
  /** OpenAPI form, under /api/v1: `/orgs/{orgId}/members`. */
  path: string;
  operationId: string;
  summary: string;
  tag: string;
  access: Access;
  params?: P;
  query?: Q;
  body?: B;
  response?: R;
  status?: 200 | 201 | 204;
  handler(input: RouteInput<z.output<P>, z.output<Q>, z.output<B>>): Promise<z.input<R> | undefined>;
}

/** Keeps each route's types tied to its schemas. */
export function defineRoute<P extends z.ZodType, Q extends z.ZodType, B extends z.ZodType, R extends z.ZodType>(
  route: ApiRoute<P, Q, B, R>,
): ApiRoute {
  return route as unknown as ApiRoute;
}
