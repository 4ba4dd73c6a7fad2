import { errors, type KoaContextWithOIDC, type ResourceServer } from 'oidc-provider';
import { findResourceServer } from '../resources/service.js';
import type { Db } from '../stores/db.js';

type Registered = Awaited<ReturnType<typeof findResourceServer>>;

/** oidc-provider asks about the same resource more than once per request: one read per request and indicator. */
const perRequest = new WeakMap<object, Map<string, Promise<Registered>>>();

/** The registered resource server of an indicator (either slash form), read once per request. */
export function registeredResource(db: Db, ctx: KoaContextWithOIDC, indicator: string): Promise<Registered> {
  let seen = perRequest.get(ctx);
  if (!seen) {
    seen = new Map();
    perRequest.set(ctx, seen);
  }
  let found = seen.get(indicator);
  if (!found) {
    found = findResourceServer(db, indicator).then(
      async (resource) => resource ?? (await findResourceServer(db, otherSlashForm(indicator))),
    );
    seen.set(indicator, found);
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
  const resource = await registeredResource(db, ctx, indicator);
  if (!resource) throw new errors.InvalidTarget(`resource ${indicator} is not registered`);
  // metadata() builds a snake_case copy of the whole client on each call: once per request.
  const { org_id: clientOrg, resource_scopes: limit } = client.metadata();
  if (resource.orgId && clientOrg && clientOrg !== resource.orgId) {
    throw new errors.InvalidTarget('the resource belongs to another organization');
  }
  const allowed = typeof limit === 'string' ? new Set(limit.split(' ')) : undefined;
  return {
    scope: resource.scopes.filter((scope) => !allowed || allowed.has(scope)).join(' '),
    audience: resource._id,
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

/** `https://mcp.example.com` and `https://mcp.example.com/` name the same pathless resource. */
function otherSlashForm(indicator: string): string {
  const url = URL.parse(indicator);
  if (url?.pathname !== '/' || url.search) return indicator;
  return indicator.endsWith('/') ? indicator.slice(0, -1) : `${indicator}/`;
}
