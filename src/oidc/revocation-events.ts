import { createHash } from 'node:crypto';
import type Provider from 'oidc-provider';
import type { RevocationPublisher } from '../revocation/publisher.js';
import type { Db } from '../stores/db.js';
import { findGrantOrg } from './grant-orgs.js';

/**
 * Turns oidc-provider's revocations (revocation endpoint, code or refresh-token reuse) into notices
 * for resource middlewares, which otherwise would accept a revoked grant's JWTs until they expire.
 */
export function announceRevocations(provider: Provider, db: Db, publisher: RevocationPublisher): void {
  provider.on('grant.revoked', (_ctx: unknown, grantId: string) => {
    const at = Date.now();
    findGrantOrg(db, grantId)
      .then((link) =>
        link
          ? publisher.publish({ kind: 'grant', sub: link.userId, clientId: link.clientId, orgId: link.orgId, at })
          : undefined,
      )
      .catch(() => {
        // MongoDB is away: the grant is revoked, only the notice is lost (JWTs then live until expiry).
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
