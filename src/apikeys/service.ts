import { InvalidError, NotFoundError } from '../errors.js';
import { getMembership } from '../orgs/service.js';
import type { RevocationPublisher } from '../revocation/publisher.js';
import type { Db } from '../stores/db.js';
import { parseInput } from '../validation.js';
import { generateKey, hashKey, parseKey, sameHash } from './format.js';
import type { ApiKeyDoc } from './model.js';
import { type CreateApiKeyInput, createApiKeySchema } from './schema.js';

/** What anyone may see of a key: never its secret or hash. */
export function presentApiKey(doc: ApiKeyDoc) {
  return {
    id: doc._id,
    orgId: doc.orgId,
    userId: doc.userId,
    name: doc.name,
    scopes: doc.scopes,
    teamId: doc.teamId ?? null,
    hint: doc.hint,
    createdAt: doc.createdAt.toISOString(),
    expiresAt: doc.expiresAt?.toISOString() ?? null,
    lastUsedAt: doc.lastUsedAt?.toISOString() ?? null,
  };
}
export type ApiKeyView = ReturnType<typeof presentApiKey>;

/** A member creates their own key in an organization; the secret is returned here and never again. */
export async function createApiKey(
  db: Db,
  { orgId, userId }: { orgId: string; userId: string },
  input: CreateApiKeyInput,
): Promise<ApiKeyView & { key: string }> {
  const data = parseInput(createApiKeySchema, input);
  if (!(await getMembership(db, orgId, userId))) throw new NotFoundError('this person is not a member');
  if (data.teamId && !(await teamBelongsTo(db, data.teamId, orgId))) {
    throw new InvalidError('the team does not belong to this organization', {
      teamId: 'is not a team of this organization',
    });
  }
  const generated = generateKey('member');
  const doc = {
    _id: generated.id,
    orgId,
    userId,
    name: data.name,
    scopes: [...new Set(data.scopes)],
    teamId: data.teamId ?? null,
    secretHash: generated.secretHash,
    hint: generated.hint,
    createdAt: new Date(),
    expiresAt: data.expiresAt ?? null,
    lastUsedAt: null,
  };
  await db.apiKeys.create(doc);
  return { ...presentApiKey(doc), key: generated.key };
}

export async function getApiKey(db: Db, orgId: string, keyId: string): Promise<ApiKeyDoc> {
  const doc = await db.apiKeys.findById(keyId).lean<ApiKeyDoc>();
  if (!doc || doc.orgId !== orgId) throw new NotFoundError(`API key ${keyId} does not exist`);
  return doc;
}

/** Deletes a key; resource middlewares refuse it within seconds. */
export async function revokeApiKey(db: Db, publisher: RevocationPublisher, orgId: string, keyId: string) {
  const doc = await getApiKey(db, orgId, keyId);
  await db.apiKeys.deleteOne({ _id: doc._id });
  await publisher.publish({ kind: 'api_key', keyId: doc._id, at: Date.now() });
  return doc;
}

/** Every key a person holds in an organization goes when they leave it. */
export async function deleteMemberApiKeys(db: Db, orgId: string, userId: string): Promise<string[]> {
  const keys = await db.apiKeys.find({ orgId, userId }, { _id: 1 }).lean();
  await db.apiKeys.deleteMany({ orgId, userId });
  return keys.map((k) => k._id as string);
}

export interface VerifiedApiKey {
  keyId: string;
  orgId: string;
  userId: string;
  role: string;
  scopes: string[];
  createdAt: Date;
  expiresAt: Date | null;
}

const LAST_USED_PRECISION_MS = 60_000;

/**
 * Checks a presented org API key: its hash, expiry, and that its owner is still a member (whose
 * current role it carries). Records the last use at most once a minute.
 */
export async function verifyApiKey(db: Db, presented: string): Promise<VerifiedApiKey | undefined> {
  const parsed = parseKey(presented);
  if (parsed?.kind !== 'member') return undefined;
  const doc = await db.apiKeys.findById(parsed.id).lean<ApiKeyDoc>();
  if (!doc || !sameHash(doc.secretHash, hashKey(presented))) return undefined;
  const now = Date.now();
  if (doc.expiresAt && doc.expiresAt.getTime() <= now) return undefined;
  const membership = await getMembership(db, doc.orgId, doc.userId);
  if (!membership) return undefined;
  if (!doc.lastUsedAt || now - doc.lastUsedAt.getTime() > LAST_USED_PRECISION_MS) {
    await db.apiKeys.updateOne({ _id: doc._id }, { $set: { lastUsedAt: new Date(now) } });
  }
  return {
    keyId: doc._id,
    orgId: doc.orgId,
    userId: doc.userId,
    role: membership.role,
    scopes: doc.scopes,
    createdAt: doc.createdAt,
    expiresAt: doc.expiresAt ?? null,
  };
}

/** Whether a team is (still) assigned to the organization. */
export async function teamBelongsTo(db: Db, teamId: string, orgId: string): Promise<boolean> {
  const team = await db.teams.findById(teamId, { orgId: 1 }).lean();
  return team?.orgId === orgId;
}
