import { errors, type KoaContextWithOIDC, type ResourceServer } from 'oidc-provider';
import { type ResolvedResource, requiredOrgOf } from '../resources/resource-urls.js';
import { resolveResource } from '../resources/service.js';
import type { Db } from '../stores/db.js';
import { clientMetadataOf } from './client-metadata.js';

/** oidc-provider asks about the same resource more than once per request: one read per request and indicator. */
const perRequest = new WeakMap<object, Map<string, Promise<ResolvedResource | null>>>();

/**
 * The registered resource server of an indicator (exactly, either slash form, or under a registered
 * base), with the audience and the organization its URL names; read once per request.
 */
export function registeredResource(
  db: Db,
  ctx: KoaContextWithOIDC,
  indicator: string,
): Promise<ResolvedResource | null> {
  let seen = perRequest.get(ctx);
  if (!seen) {
    seen = new Map();
    perRequest.set(ctx, seen);
  }
  let found = seen.get(indicator);
  if (!found) {
    const resolving = resolveResource(db, indicator);
    seen.set(indicator, resolving);
    // The token's claims are checked by its audience next: an exact match's registered form (the
    // other slash form) resolves to the same server, so it is not read again.
    void resolving.then(
      (resolved) => {
        if (resolved && resolved.audience !== indicator && !resolved.urlOrgId && !seen.has(resolved.audience)) {
          seen.set(resolved.audience, resolving);
        }
      },
      () => {},
    );
    found = resolving;
  }
  return found;
}

/** Resolves a resource indicator to its registered resource server, or refuses it (invalid_target). */
export async function getResourceServerInfo(
  db: Db,
  ctx: KoaContextWithOIDC,
  indicator: string,
  client: { metadata(): Record<string, unknown> },
): Promise<ResourceServer> {
  const resolved = await registeredResource(db, ctx, indicator);
  if (!resolved) throw new errors.InvalidTarget(`resource ${indicator} is not registered`);
  const { server: resource } = resolved;
  if (resolved.urlOrgId && resource.orgId && resolved.urlOrgId !== resource.orgId) {
    throw new errors.InvalidTarget('the resource belongs to another organization');
  }
  const { org_id: clientOrg, resource_scopes: limit } = clientMetadataOf(client);
  const resourceOrg = requiredOrgOf(resolved);
  if (resourceOrg && typeof clientOrg === 'string' && clientOrg !== resourceOrg) {
    throw new errors.InvalidTarget('the resource belongs to another organization');
  }
  const allowed = typeof limit === 'string' ? new Set(limit.split(' ')) : undefined;
  return {
    scope: resource.scopes.filter((scope) => !allowed || allowed.has(scope)).join(' '),
    audience: resolved.audience,
    accessTokenTTL: resource.accessTokenTtl,
    accessTokenFormat: resource.format,
    ...(resource.format === 'jwt' ? { jwt: { sign: { alg: 'RS256' } } } : {}),
  };
}

/**
 * `defaultResource`: the resource of a request that names none. At the authorization endpoint that is
 * the configured default; at the token endpoint, when several resources were granted, the default if
 * it is one of them, else the client must say which (RFC 8707 §2.2: one resource per access token).
 */
export function chooseGrantedResource(
  granted: string | readonly string[] | undefined,
  configured: string | undefined,
): string | undefined {
  if (typeof granted === 'string') return granted;
  if (!granted) return configured;
  if (granted.length === 1) return granted[0];
  if (configured && granted.includes(configured)) return configured;
  throw new errors.InvalidTarget(
    `several resources were granted; send the one this token is for as "resource": ${granted.join(', ')}`,
  );
}
