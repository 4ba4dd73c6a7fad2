import type { Db } from '../stores/db.js';
import { groupCommit } from '../stores/group-commit.js';
import { writeBehind } from '../stores/write-behind.js';
import { findGrantOrg, touchGrants } from './grants-store.js';
import { addTokenIssuanceCounts, type IssuedTokenRecord, insertIssuedTokens } from './tokens-store.js';
import { writeBeforeAnswer } from './writes-before-answer.js';

interface TokenModel {
  jti?: string;
  kind?: string;
  format?: string;
  grantId?: string;
  clientId?: string;
  accountId?: string;
  expiration?: number;
}

/**
 * Per database: token records are group-committed (each request waits for its record: a token a
 * client holds is always on record); issuance counts and grants' "last used" times are aggregated
 * in memory and written every second (a crash loses at most the last second of them).
 */
const writers = new WeakMap<Db, ReturnType<typeof tokenWriters>>();

function tokenWriters(db: Db) {
  return {
    records: groupCommit<IssuedTokenRecord>((records) => insertIssuedTokens(db, records)),
    counts: writeBehind<number>(
      db,
      (a, b) => a + b,
      (counts) => addTokenIssuanceCounts(db, counts),
    ),
    touches: writeBehind<number>(db, Math.max, (lastUsed) =>
      touchGrants(db, new Map([...lastUsed].map(([grantId, at]) => [grantId, new Date(at)]))),
    ),
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
  if (token.grantId) writer.touches.add(token.grantId, now);
  // Tokens issued per (organization, client, UTC day): the audit counts them instead of listing each.
  if (orgId && token.clientId) {
    writer.counts.add(JSON.stringify([orgId, token.clientId, new Date(now).toISOString().slice(0, 10)]), 1);
  }
  // An opaque token's record is written by the adapter, with the token's payload (adapters/issued-token-store.ts).
  if (token.format === 'opaque' && STORED_WITH_RECORD.has(token.kind ?? '')) return;
  await writeBeforeAnswer(writer.records({ _id: token.jti, ...issuedTokenFields(token, orgId, now) }));
}

/** Opaque tokens of these kinds are stored in their issued_tokens record (adapters/issued-token-store.ts). */
export const STORED_WITH_RECORD = new Set(['AccessToken', 'ClientCredentials']);

/** An issued token's record but its id: what it is, whose, and until when. */
export function issuedTokenFields(
  token: Omit<TokenModel, 'jti'>,
  orgId: string | null,
  now: number,
): Omit<IssuedTokenRecord, '_id'> {
  return {
    kind: token.kind ?? 'AccessToken',
    format: token.format ?? 'opaque',
    orgId,
    grantId: token.grantId ?? null,
    clientId: token.clientId ?? null,
    sub: token.accountId ?? null,
    expiresAt: new Date(now + (token.expiration ?? 3600) * 1000),
    createdAt: new Date(now),
  };
}

/** Fields the MongoDB adapter stores beside a payload so records can be found per organization. */
export async function tokenRecordFields(
  db: Db,
  model: string,
  payload: { grantId?: string; clientId?: string; accountId?: string; extra?: { org_id?: string }; org_id?: string },
): Promise<Record<string, unknown>> {
  switch (model) {
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
