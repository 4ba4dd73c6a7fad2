import type { Db } from '../stores/db.js';
import { groupCommit } from '../stores/group-commit.js';
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

/** One group-committed writer per database: token records and issuance counts of concurrent requests share writes. */
const writers = new WeakMap<Db, ReturnType<typeof tokenWriters>>();

function tokenWriters(db: Db) {
  return {
    records: groupCommit<IssuedTokenRecord>(async (records) => {
      try {
        await issuedTokens(db).insertMany(records, { ordered: false });
      } catch (error) {
        // A record already there (the same jti recorded twice) is fine; anything else is not.
        const writeErrors = (error as { writeErrors?: Array<{ code?: number }> }).writeErrors;
        if (!writeErrors?.length || writeErrors.some((e) => e.code !== 11000)) throw error;
      }
    }),
    counts: groupCommit<string>(async (keys) => {
      const increments = new Map<string, number>();
      for (const key of keys) increments.set(key, (increments.get(key) ?? 0) + 1);
      await tokenIssuance(db).bulkWrite(
        [...increments].map(([key, count]) => {
          const [orgId = '', clientId = '', day = ''] = JSON.parse(key) as string[];
          return {
            updateOne: {
              filter: { _id: key },
              update: { $inc: { count }, $setOnInsert: { orgId, clientId, day } },
              upsert: true,
            },
          };
        }),
        { ordered: false },
      );
    }),
  };
}

export async function recordIssuedToken(db: Db, token: TokenModel, claims?: { org_id?: string }): Promise<void> {
  if (!token.jti) return;
  const now = Date.now();
  let writer = writers.get(db);
  if (!writer) {
    writer = tokenWriters(db);
    writers.set(db, writer);
  }
  const orgId = claims?.org_id ?? null;
  await Promise.all([
    writer.records({
      _id: token.jti,
      kind: token.kind ?? 'AccessToken',
      format: token.format ?? 'opaque',
      orgId,
      grantId: token.grantId ?? null,
      clientId: token.clientId ?? null,
      sub: token.accountId ?? null,
      expiresAt: new Date(now + (token.expiration ?? 3600) * 1000),
      createdAt: new Date(now),
    }),
    token.grantId ? touchGrant(db, token.grantId) : undefined,
    // Tokens issued per (organization, client, UTC day): the audit counts them instead of listing each.
    orgId && token.clientId
      ? writer.counts(JSON.stringify([orgId, token.clientId, new Date(now).toISOString().slice(0, 10)]))
      : undefined,
  ]);
}

export const tokenIssuance = (db: Db) =>
  db.connection.collection<{ _id: string; orgId: string; clientId: string; day: string; count: number }>(
    'token_issuance',
  );

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
