import { InvalidError, NotFoundError } from '../errors.js';
import { getMembership } from '../orgs/service.js';
import type { RevocationPublisher } from '../revocation/publisher.js';
import type { Db } from '../stores/db.js';
import type { Page, PageQuery } from '../stores/pagination.js';
import { isTeamOfOrganization } from '../teams/service.js';
import { parseInput } from '../validation.js';
import { generateKey, hashKey, parseKey, sameHash } from './format.js';
import type { ApiKeyDoc } from './model.js';
import { type CreateApiKeyInput, createApiKeySchema } from './schema.js';
import {
  deleteApiKey,
  deleteApiKeysOfMember,
  findApiKey,
  findApiKeyAcrossOrganizations,
  findApiKeyTeam,
  insertApiKey,
  listApiKeysOfOrganization,
  touchApiKeyLastUsed,
} from './store.js';

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
  await insertApiKey(db, doc);
  return { ...presentApiKey(doc), key: generated.key };
}

export async function getApiKey(db: Db, orgId: string, keyId: string): Promise<ApiKeyDoc> {
  const doc = await findApiKey(db, orgId, keyId);
  if (!doc) throw new NotFoundError(`API key ${keyId} does not exist`);
  return doc;
}

/** The organization's keys (admins: `'all'`), or one member's own. */
export async function listApiKeys(
  db: Db,
  orgId: string,
  owner: 'all' | { userId: string },
  page: PageQuery,
): Promise<Page<ApiKeyView>> {
  const result = await listApiKeysOfOrganization(db, orgId, owner, page);
  return { items: result.items.map(presentApiKey), nextCursor: result.nextCursor };
}

/** The team a key of the organization spends for, if any (whether it still belongs there is `teamBelongsTo`). */
export async function apiKeyTeamId(db: Db, orgId: string, keyId: string): Promise<string | undefined> {
  return findApiKeyTeam(db, orgId, keyId);
}

/** Deletes a key; resource middlewares refuse it within seconds. */
export async function revokeApiKey(db: Db, publisher: RevocationPublisher, orgId: string, keyId: string) {
  const doc = await getApiKey(db, orgId, keyId);
  if (!(await deleteApiKey(db, orgId, keyId))) throw new NotFoundError(`API key ${keyId} does not exist`);
  await publisher.publish({ kind: 'api_key', keyId: doc._id, at: Date.now() });
  return doc;
}

/** Every key a person holds in an organization goes when they leave it. */
export async function deleteMemberApiKeys(db: Db, orgId: string, userId: string): Promise<string[]> {
  return deleteApiKeysOfMember(db, orgId, userId);
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
  const doc = await findApiKeyAcrossOrganizations(db, parsed.id);
  if (!doc || !sameHash(doc.secretHash, hashKey(presented))) return undefined;
  const now = Date.now();
  if (doc.expiresAt && doc.expiresAt.getTime() <= now) return undefined;
  const membership = await getMembership(db, doc.orgId, doc.userId);
  if (!membership) return undefined;
  if (!doc.lastUsedAt || now - doc.lastUsedAt.getTime() > LAST_USED_PRECISION_MS) {
    await touchApiKeyLastUsed(db, doc.orgId, doc._id, new Date(now));
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
  return isTeamOfOrganization(db, teamId, orgId);
}
