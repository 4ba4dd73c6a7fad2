import { bodyParser } from '@koa/bodyparser';
import Router from '@koa/router';
import type { Context } from 'koa';
import type Provider from 'oidc-provider';
import { refuseUnreadableBody } from '../http/body-errors.js';
import { oauthRequestErrors } from '../http/errors.js';
import { clientMetadataOf } from '../oidc/client-metadata.js';
import { hashClientSecret } from '../oidc/client-secret.js';
import type { Db } from '../stores/db.js';
import { sameHash } from './format.js';
import { type VerifiedApiKey, verifyApiKey } from './service.js';

/** An org API key described as RFC 7662 describes a token. */
export function describeApiKey(key: VerifiedApiKey) {
  return {
    active: true,
    token_type: 'api_key',
    sub: key.userId,
    org_id: key.orgId,
    org_role: key.role,
    scope: key.scopes.join(' '),
    key_id: key.keyId,
    iat: Math.floor(key.createdAt.getTime() / 1000),
    ...(key.expiresAt ? { exp: Math.floor(key.expiresAt.getTime() / 1000) } : {}),
  };
}

function presentedCredentials(ctx: Context, body: Record<string, unknown>) {
  const header = ctx.get('authorization');
  if (/^basic /i.test(header)) {
    const decoded = Buffer.from(header.slice(6).trim(), 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon < 0) return undefined;
    try {
      return {
        id: decodeURIComponent(decoded.slice(0, colon)),
        secret: decodeURIComponent(decoded.slice(colon + 1).replace(/\+/g, ' ')),
      };
    } catch {
      return undefined;
    }
  }
  const { client_id: id, client_secret: secret } = body;
  return typeof id === 'string' && typeof secret === 'string' ? { id, secret } : undefined;
}

/**
 * `POST /api-keys/introspection`: resource servers check org API keys the way they introspect
 * opaque tokens. Only a confidential client owned by the key's organization learns about it.
 */
export function apiKeyIntrospectionRoutes(provider: Provider, db: Db) {
  const router = new Router();
  router.post(
    '/api-keys/introspection',
    oauthRequestErrors(),
    bodyParser({ enableTypes: ['form'], formLimit: '8kb', onError: refuseUnreadableBody }),
    async (ctx) => {
      ctx.set('Cache-Control', 'no-store');
      const body = (ctx.request.body ?? {}) as Record<string, unknown>;
      const credentials = presentedCredentials(ctx, body);
      const client = credentials ? await provider.Client.find(credentials.id) : undefined;
      const stored = client?.clientSecret?.replace(/^sha256\$/, '') ?? '';
      const presented = credentials ? hashClientSecret(credentials.secret).replace(/^sha256\$/, '') : '';
      if (!client || !stored || !sameHash(stored, presented)) {
        ctx.status = 401;
        ctx.set('WWW-Authenticate', 'Basic realm="orgauth"');
        ctx.body = { error: 'invalid_client', error_description: 'client authentication failed' };
        return;
      }
      const token = typeof body.token === 'string' ? body.token : '';
      if (!token) {
        ctx.status = 400;
        ctx.body = { error: 'invalid_request', error_description: 'token is required' };
        return;
      }
      const key = token.length <= 512 ? await verifyApiKey(db, token) : undefined;
      ctx.body = key && clientMetadataOf(client).org_id === key.orgId ? describeApiKey(key) : { active: false };
    },
  );
  return router;
}
