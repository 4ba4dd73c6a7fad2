import type { Db } from '../stores/db.js';
import { findGrantOrg, touchGrant } from './grant-orgs.js';

/**
 * Every access token, JWT or opaque, is recorded by id with its organization, grant, client and
 * subject, so tokens can be listed, revoked and audited per organization. (oidc-provider stores
 * opaque tokens itself but never JWTs.)
 */
export interface IssuedTokenRecord {
  _id: string;
  kind: string;
  format: string;
  orgId: string | null;
  grantId: string | null;
  clientId: string | null;
  sub: string | null;
  expiresAt: Date;
  createdAt: Date;
}

interface TokenModel {
  jti?: string;
  kind?: string;
  format?: string;
  grantId?: string;
  clientId?: string;
  accountId?: string;
  expiration?: number;
}

export const issuedTokens = (db: Db) => db.connection.collection<IssuedTokenRecord>('issued_tokens');

export async function recordIssuedToken(db: Db, token: TokenModel, claims?: { org_id?: string }): Promise<void> {
  if (!token.jti) return;
  const now = Date.now();
  await issuedTokens(db).replaceOne(
    { _id: token.jti },
    {
      kind: token.kind ?? 'AccessToken',
      format: token.format ?? 'opaque',
      orgId: claims?.org_id ?? null,
      grantId: token.grantId ?? null,
      clientId: token.clientId ?? null,
      sub: token.accountId ?? null,
      expiresAt: new Date(now + (token.expiration ?? 3600) * 1000),
      createdAt: new Date(now),
    },
    { upsert: true },
  );
  if (token.grantId) await touchGrant(db, token.grantId);
  if (claims?.org_id && token.clientId) await countIssuance(db, claims.org_id, token.clientId, now);
}

/** Tokens issued per (organization, client, UTC day): the audit counts them instead of listing each. */
export const tokenIssuance = (db: Db) =>
  db.connection.collection<{ _id: string; orgId: string; clientId: string; day: string; count: number }>(
    'token_issuance',
  );

async function countIssuance(db: Db, orgId: string, clientId: string, now: number) {
  const day = new Date(now).toISOString().slice(0, 10);
  await tokenIssuance(db).updateOne(
    { _id: JSON.stringify([orgId, clientId, day]) },
    { $inc: { count: 1 }, $setOnInsert: { orgId, clientId, day } },
    { upsert: true },
  );
}

/** Fields the MongoDB adapter stores beside a payload so records can be found per organization. */
export async function tokenRecordFields(
  db: Db,
  model: string,
  payload: { grantId?: string; clientId?: string; accountId?: string; extra?: { org_id?: string }; org_id?: string },
): Promise<Record<string, unknown>> {
  switch (model) {
    case 'AccessToken':
    case 'ClientCredentials':
      return {
        orgId: payload.extra?.org_id ?? null,
        clientId: payload.clientId ?? null,
        sub: payload.accountId ?? null,
      };
    case 'RefreshToken':
    case 'Grant': {
      const link = payload.grantId ? await findGrantOrg(db, payload.grantId) : null;
      return { orgId: link?.orgId ?? null, clientId: payload.clientId ?? null, sub: payload.accountId ?? null };
    }
    case 'Client':
      return { orgId: payload.org_id ?? null };
    default:
      return {};
  }
}
