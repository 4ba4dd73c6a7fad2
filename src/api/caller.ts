import { createLocalJWKSet, type JSONWebKeySet } from 'jose';
import type { Context } from 'koa';
import { describeApiKey } from '../apikeys/introspection.js';
import { verifyPlatformKey } from '../apikeys/platform-keys.js';
import { verifyApiKey } from '../apikeys/service.js';
import { ForbiddenError } from '../errors.js';
import { getMembership, getOrganization } from '../orgs/service.js';
import { insufficientScope, invalidToken } from '../resource/errors.js';
import type { Issuer } from '../resource/issuer-metadata.js';
import { checkOrgAndScopes, orgCredentialVerifier } from '../resource/require-org-token.js';
import type { RevocationFeed } from '../resource/revocation-feed.js';
import { claimsFrom } from '../resource/token-claims.js';
import type { ApiDeps } from './deps.js';
import type { Access, Caller } from './route.js';

/** The scope an access token needs for the admin API (resource `${ISSUER}/api`). */
export const API_SCOPE = 'orgauth:api';
export const apiResource = (issuer: string) => `${issuer}/api`;

/**
 * Authenticates admin API calls with the same verifier as `requireOrgToken`: access tokens issued
 * for `${ISSUER}/api` (checked against Orgauth's own keys, no HTTP round trip) and org API keys;
 * plus operators' platform keys. Roles are read live from the memberships, never from the token.
 */
export function apiAuthenticator(deps: ApiDeps, publicJwks: JSONWebKeySet, revocation?: RevocationFeed) {
  const { config, db } = deps;
  const keys = createLocalJWKSet(publicJwks);
  const self: Issuer = {
    metadata: async () => ({ issuer: config.issuer, jwks_uri: `${config.issuer}/jwks` }),
    keys: async () => keys,
  };
  const verify = orgCredentialVerifier(
    {
      issuer: config.issuer,
      audience: apiResource(config.issuer),
      revocation,
      apiKeys: async (key) => {
        const verified = await verifyApiKey(db, key);
        return verified ? claimsFrom(describeApiKey(verified)) : undefined;
      },
    },
    self,
  );

  return async (ctx: Context, access: Access): Promise<Caller> => {
    const bearer = /^Bearer +(oa_admin_\S+) *$/i.exec(ctx.get('authorization'))?.[1];
    if (bearer) {
      const platform = await verifyPlatformKey(db, bearer);
      if (!platform) throw invalidToken('the platform key is not valid');
      if (access.kind === 'person') throw new ForbiddenError('this route acts for a person; a platform key has none');
      if (access.kind === 'org') await getOrganization(db, ctx.params.orgId ?? '');
      return {
        actor: { type: 'platform', id: platform.keyId },
        userId: undefined,
        standing: 'platform',
        keyId: platform.keyId,
      };
    }
    const credential = await verify(ctx);
    if (access.kind === 'platform') throw new ForbiddenError('this route needs a platform credential');
    const orgId = access.kind === 'org' ? ctx.params.orgId : credential.claims.orgId;
    // An API credential of another organization is a permission problem here, not a reason to sign in again.
    checkOrgAndScopes(credential, orgId, [API_SCOPE], insufficientScope);
    const { sub, keyId, clientId, jti } = credential.claims;
    const token = keyId ? {} : { clientId, tokenId: jti };
    if (!sub || sub === clientId) {
      // A client-credentials token of one of the organization's own clients: a machine caller.
      if (access.kind !== 'org') throw insufficientScope('this route acts for a person; this token has none');
      await getOrganization(db, orgId ?? '');
      return {
        actor: { type: 'client', id: clientId ?? '' },
        userId: undefined,
        standing: 'client',
        keyId: undefined,
        ...token,
      };
    }
    const base = {
      actor: keyId ? { type: 'api_key' as const, id: keyId } : { type: 'user' as const, id: sub },
      userId: sub,
      keyId,
      ...token,
    };
    if (access.kind === 'person') return { ...base, standing: undefined };
    await getOrganization(db, orgId ?? '');
    const membership = await getMembership(db, orgId ?? '', sub);
    if (!membership) throw new ForbiddenError('you are not a member of this organization');
    return { ...base, standing: membership.role as Caller['standing'] };
  };
}
