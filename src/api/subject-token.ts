import { createLocalJWKSet, jwtVerify } from 'jose';
import { InvalidError } from '../errors.js';
import { findIssuedTokenOfOrganization } from '../oidc/tokens-store.js';
import { claimsFrom } from '../resource/token-claims.js';
import { looksLikeJwt } from '../resource/verify-jwt.js';
import type { ApiDeps } from './deps.js';

/** The header through which a resource server names the person's token it charges usage for. */
export const SUBJECT_TOKEN_HEADER = 'orgauth-subject-token';

export interface SubjectAttribution {
  userId: string;
  clientId: string;
  grantId: string;
  resource: string;
}

const refuse = (reason: string) => new InvalidError(`the subject token ${reason}`, { [SUBJECT_TOKEN_HEADER]: reason });

const audienceOf = (aud: unknown) => (Array.isArray(aud) ? aud[0] : aud);

interface FoundToken {
  jti: string;
  sub?: string | undefined;
  clientId?: string | undefined;
  orgId?: string | undefined;
  resource?: unknown;
}

/**
 * A resource server (an organization's client) charging for what a person did through an app
 * presents the access token it received from that app. The token is checked as Orgauth issued it
 * (signature or stored record, not revoked, its grant alive, this organization) and the debit then
 * names the person, the app, its grant and the resource server: attribution from credentials, never
 * from the request body.
 */
export async function verifySubjectToken(deps: ApiDeps, token: string, orgId: string): Promise<SubjectAttribution> {
  if (token.length > 8192) throw refuse('is not valid');
  let found: FoundToken;
  if (looksLikeJwt(token)) {
    const verified = await jwtVerify(token, createLocalJWKSet(deps.publicJwks), {
      issuer: deps.config.issuer,
      typ: 'at+jwt',
      algorithms: ['RS256', 'PS256', 'ES256', 'EdDSA'],
      clockTolerance: 5,
    }).catch(() => undefined);
    if (!verified) throw refuse('is not valid');
    const claims = claimsFrom(verified.payload);
    found = { ...claims, jti: claims.jti ?? '', resource: audienceOf(verified.payload.aud) };
    if (deps.revocation?.isRevoked(claims)) throw refuse('has been revoked');
  } else {
    const model = await deps.provider.AccessToken.find(token);
    if (!model || model.isExpired) throw refuse('is not valid');
    found = {
      jti: model.jti,
      sub: model.accountId,
      clientId: model.clientId,
      orgId: (model.extra as { org_id?: string } | undefined)?.org_id,
      resource: audienceOf(model.aud),
    };
  }
  if (found.orgId !== orgId) throw refuse('belongs to another organization');
  const record = found.jti ? await findIssuedTokenOfOrganization(deps.db, orgId, found.jti) : null;
  if (!record || record.expiresAt.getTime() <= Date.now()) throw refuse('is not valid');
  if (!record.sub || !record.grantId || record.sub === record.clientId) throw refuse('does not act for a person');
  if (!(await deps.provider.Grant.find(record.grantId))) throw refuse('has been revoked');
  if (typeof found.resource !== 'string') throw refuse('names no resource server');
  return { userId: record.sub, clientId: record.clientId ?? '', grantId: record.grantId, resource: found.resource };
}
