import type { Db } from '../stores/db.js';
import { groupCommit } from '../stores/group-commit.js';
import { findGrantOrg, touchGrant } from './grants-store.js';
import { addTokenIssuanceCounts, type IssuedTokenRecord, insertIssuedTokens } from './tokens-store.js';

interface TokenModel {
  jti?: string;
  kind?: string;
  format?: string;
  grantId?: string;
  clientId?: string;
  accountId?: string;
  expiration?: number;
}

/** One group-committed writer per database: token records and issuance counts of concurrent requests share writes. */
const writers = new WeakMap<Db, ReturnType<typeof tokenWriters>>();

function tokenWriters(db: Db) {
  return {
    records: groupCommit<IssuedTokenRecord>((records) => insertIssuedTokens(db, records)),
    counts: groupCommit<string>(async (keys) => {
      const increments = new Map<string, number>();
      for (const key of keys) increments.set(key, (increments.get(key) ?? 0) + 1);
      await addTokenIssuanceCounts(db, increments);
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
