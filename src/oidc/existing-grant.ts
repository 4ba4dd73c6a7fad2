import type { Grant, KoaContextWithOIDC } from 'oidc-provider';
import { getMembership } from '../orgs/service.js';
import type { Db } from '../stores/db.js';
import { findGrantOrg } from './grants-store.js';
import { organizationNamedByResources, requestedResources } from './interactions/resource-org.js';

/**
 * `loadExistingGrant`: the grant chosen by our consent step, or the session's grant for this
 * client only while it still fits: same organization as an `organization` hint or a per-organization
 * resource URL, and the person still a member. Otherwise nothing, which sends the person through the organization choice
 * again instead of silently reusing another organization's grant.
 */
export async function loadOrgBoundGrant(db: Db, ctx: KoaContextWithOIDC): Promise<Grant | undefined> {
  const chosen = ctx.oidc.result?.consent?.grantId;
  if (typeof chosen === 'string') return ctx.oidc.provider.Grant.find(chosen);

  const grantId = ctx.oidc.session?.grantIdFor(ctx.oidc.client?.clientId ?? '');
  if (!grantId) return undefined;
  const link = await findGrantOrg(db, grantId);
  if (!link) return undefined;
  const hint = ctx.oidc.params?.organization;
  if (typeof hint === 'string' && hint !== link.orgId) return undefined;
  // A per-organization resource URL of another organization needs that organization's grant.
  const named = await organizationNamedByResources(db, requestedResources(ctx.oidc.params ?? {}));
  if (named && ('conflict' in named || named.orgId !== link.orgId)) return undefined;
  if (!(await getMembership(db, link.orgId, link.userId))) return undefined;
  return ctx.oidc.provider.Grant.find(grantId);
}
