import { createHash } from 'node:crypto';
import type Provider from 'oidc-provider';
import { recordAudit } from '../audit/service.js';
import type { RevocationPublisher } from '../revocation/publisher.js';
import type { Db } from '../stores/db.js';
import { findGrantOrg } from './grants-store.js';

/**
 * Turns oidc-provider's revocations (revocation endpoint, code or refresh-token reuse) into notices
 * for resource middlewares, which otherwise would accept a revoked grant's JWTs until they expire,
 * and records a reuse (a stolen code or refresh token, or a client bug) in the organization's audit log.
 */
interface TokenContext {
  oidc?: { route?: string; params?: Record<string, unknown> };
}

export function announceRevocations(provider: Provider, db: Db, publisher: RevocationPublisher): void {
  provider.on('grant.revoked', (ctx: TokenContext | undefined, grantId: string) => {
    const at = Date.now();
    // Revoked while a grant was being redeemed: a code or a rotated refresh token was used twice.
    const reused = ctx?.oidc?.route === 'token' ? ctx.oidc.params?.grant_type : undefined;
    findGrantOrg(db, grantId)
      .then(async (link) => {
        if (!link) return;
        await publisher.publish({ kind: 'grant', sub: link.userId, clientId: link.clientId, orgId: link.orgId, at });
        if (typeof reused !== 'string') return;
        await recordAudit(db, {
          orgId: link.orgId,
          action: 'grant.revoked_on_reuse',
          actor: { type: 'client', id: link.clientId },
          target: { type: 'grant', id: grantId },
          data: {
            userId: link.userId,
            clientId: link.clientId,
            reused: reused === 'authorization_code' ? 'code' : 'refresh_token',
          },
        });
      })
      .catch(() => {
        // MongoDB is away: the grant is revoked, only the notice and the audit entry are lost.
      });
  });
  const tokenDestroyed = (token: { jti?: string }) => {
    if (!token.jti) return;
    const jtiHash = createHash('sha256').update(token.jti).digest('base64url');
    void publisher.publish({ kind: 'token', jtiHash, at: Date.now() });
  };
  provider.on('access_token.destroyed', tokenDestroyed);
  provider.on('client_credentials.destroyed', tokenDestroyed);
}
