import { errors, type KoaContextWithOIDC, type ResourceServer } from 'oidc-provider';
import { findResourceServer } from '../resources/service.js';
import type { Db } from '../stores/db.js';

/** Resolves a resource indicator to its registered resource server, or refuses it (invalid_target). */
export async function getResourceServerInfo(
  db: Db,
  _ctx: KoaContextWithOIDC,
  indicator: string,
  client: { metadata(): Record<string, unknown> },
): Promise<ResourceServer> {
  const resource =
    (await findResourceServer(db, indicator)) ?? (await findResourceServer(db, otherSlashForm(indicator)));
  if (!resource) throw new errors.InvalidTarget(`resource ${indicator} is not registered`);
  const clientOrg = client.metadata().org_id;
  if (resource.orgId && clientOrg && clientOrg !== resource.orgId) {
    throw new errors.InvalidTarget('the resource belongs to another organization');
  }
  const limit = client.metadata().resource_scopes;
  const allowed = typeof limit === 'string' ? new Set(limit.split(' ')) : undefined;
  return {
    scope: resource.scopes.filter((scope) => !allowed || allowed.has(scope)).join(' '),
    audience: resource._id,
    accessTokenTTL: resource.accessTokenTtl,
    accessTokenFormat: resource.format,
    ...(resource.format === 'jwt' ? { jwt: { sign: { alg: 'RS256' } } } : {}),
  };
}

/** `https://mcp.example.com` and `https://mcp.example.com/` name the same pathless resource. */
function otherSlashForm(indicator: string): string {
  const url = URL.parse(indicator);
  if (url?.pathname !== '/' || url.search) return indicator;
  return indicator.endsWith('/') ? indicator.slice(0, -1) : `${indicator}/`;
}
