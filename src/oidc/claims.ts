import type { KoaContextWithOIDC } from 'oidc-provider';
import { errors } from 'oidc-provider';
import { getMembership } from '../orgs/service.js';
import { requiredOrgOf } from '../resources/resource-urls.js';
import type { Db } from '../stores/db.js';
import { findUserById } from '../users/service.js';
import { clientMetadataOf } from './client-metadata.js';
import { findGrantOrg } from './grants-store.js';
import { registeredResource } from './resource-servers.js';

/** The organization claims every org-bound token carries. */
export interface OrgClaims {
  org_id: string;
  org_role: string;
}

/** The OpenID scopes the provider itself knows (resource scopes come from resource servers). */
export const OIDC_SCOPES = ['openid', 'offline_access', 'email', 'profile', 'organization'];

/** Scopes and the claims they release. `org_id`/`org_role` ride on `openid` too: every login is in one org. */
export const CLAIMS = {
  openid: ['sub', 'org_id', 'org_role'],
  email: ['email', 'email_verified'],
  profile: ['name'],
  organization: ['org_id', 'org_role'],
};

/**
 * One request asks for a grant's claims several times (extraTokenClaims, findAccount): they are
 * read once per request, whether or not the read caches are on.
 */
const perRequest = new WeakMap<object, Map<string, Promise<OrgClaims>>>();

function orgClaimsOnce(db: Db, ctx: object | undefined, grantId: string): Promise<OrgClaims> {
  if (!ctx) return orgClaimsForGrant(db, grantId);
  let seen = perRequest.get(ctx);
  if (!seen) {
    seen = new Map();
    perRequest.set(ctx, seen);
  }
  let claims = seen.get(grantId);
  if (!claims) {
    claims = orgClaimsForGrant(db, grantId);
    seen.set(grantId, claims);
  }
  return claims;
}

/**
 * The organization of a grant and the person's current role in it. A person who left the
 * organization gets no claims: the token request fails instead (invalid_grant).
 */
export async function orgClaimsForGrant(db: Db, grantId: string): Promise<OrgClaims> {
  const link = await findGrantOrg(db, grantId);
  if (!link) throw new errors.InvalidGrant('grant is not bound to an organization');
  const membership = await getMembership(db, link.orgId, link.userId);
  if (!membership) throw new errors.InvalidGrant('the person is no longer a member of the organization');
  return { org_id: link.orgId, org_role: membership.role };
}

interface TokenLike {
  grantId?: string;
  clientId?: string;
  kind?: string;
  resourceServer?: { audience?: string };
}

/**
 * `extraTokenClaims`: org claims for access tokens. User tokens get them from their grant;
 * client-credentials tokens of an org-owned client get the client's organization.
 */
export async function extraTokenClaims(
  db: Db,
  ctx: KoaContextWithOIDC,
  token: TokenLike,
): Promise<Partial<OrgClaims> | undefined> {
  const clientOrg = ctx.oidc.client ? clientMetadataOf(ctx.oidc.client).org_id : undefined;
  const claims = token.grantId
    ? await orgClaimsOnce(db, ctx, token.grantId)
    : typeof clientOrg === 'string'
      ? { org_id: clientOrg }
      : undefined;
  await assertResourceInOrg(db, ctx, token.resourceServer?.audience, claims?.org_id);
  return claims;
}

/** A resource owned by an organization only accepts tokens of that organization. */
async function assertResourceInOrg(
  db: Db,
  ctx: KoaContextWithOIDC,
  audience: string | undefined,
  orgId: string | undefined,
): Promise<void> {
  if (!audience) return;
  const resolved = await registeredResource(db, ctx, audience);
  // A per-organization URL (through its server's `orgPath`) binds the token to the organization it names.
  const required = resolved ? requiredOrgOf(resolved) : undefined;
  if (required && required !== orgId) {
    throw new errors.InvalidTarget('the resource belongs to another organization');
  }
}

/** `findAccount`: the person behind `sub`, with the organization of the token or code being used. */
export async function findAccount(db: Db, ctx: object | undefined, sub: string, token?: TokenLike) {
  const user = await findUserById(db, sub);
  if (!user) return undefined;
  const org = token?.grantId ? await orgClaimsOnce(db, ctx, token.grantId) : undefined;
  return {
    accountId: user._id,
    claims: async () => ({
      sub: user._id,
      email: user.email,
      email_verified: false,
      name: user.name || undefined,
      ...org,
    }),
  };
}
