import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';
import { ConflictError, ForbiddenError, InvalidError, NotFoundError } from '../errors.js';
import { newId } from '../ids.js';
import type { Db } from '../stores/db.js';
import type { Page, PageQuery } from '../stores/pagination.js';
import { emailKey, emailSchema } from '../users/schema.js';
import { findUserById } from '../users/service.js';
import { parseInput } from '../validation.js';
import {
  deleteInvitation,
  findInvitation,
  findInvitationAcrossOrganizations,
  insertInvitation,
  markInvitationAccepted,
  pagePendingInvitationsOfOrganization,
  recordInvitationAcceptance,
} from './invitations-store.js';
import type { InvitationDoc, Role } from './model.js';
import type { Standing } from './policy.js';
import { roleSchema } from './schema.js';
import { addMember, getOrganization } from './service.js';

export const createInvitationSchema = z.object({
  email: emailSchema,
  role: roleSchema.default('member'),
  expiresInDays: z.coerce.number().int().min(1).max(30).default(7),
});
export type CreateInvitationInput = z.input<typeof createInvitationSchema>;

const hash = (secret: string) => createHash('sha256').update(secret).digest();

export function presentInvitation(doc: InvitationDoc) {
  return {
    id: doc._id,
    orgId: doc.orgId,
    email: doc.email,
    role: doc.role as Role,
    invitedBy: doc.invitedBy,
    createdAt: doc.createdAt.toISOString(),
    expiresAt: doc.expiresAt.toISOString(),
    acceptedAt: doc.acceptedAt?.toISOString() ?? null,
  };
}

/** The token is `${id}.${secret}`, shown once; only the secret's hash is kept. */
export async function createInvitation(
  db: Db,
  { orgId, invitedBy, standing }: { orgId: string; invitedBy: string; standing: Standing },
  input: CreateInvitationInput,
) {
  const data = parseInput(createInvitationSchema, input);
  const org = await getOrganization(db, orgId);
  if (org.personal) throw new InvalidError('a personal organization cannot have other members');
  if (data.role === 'owner' && standing !== 'owner' && standing !== 'platform') {
    throw new ForbiddenError('only an owner may invite an owner');
  }
  const secret = randomBytes(32).toString('base64url');
  const now = new Date();
  const doc = {
    _id: newId('inv'),
    orgId,
    email: data.email,
    emailKey: emailKey(data.email),
    role: data.role,
    secretHash: hash(secret).toString('hex'),
    invitedBy,
    createdAt: now,
    expiresAt: new Date(now.getTime() + data.expiresInDays * 86_400_000),
    acceptedAt: null,
    acceptedBy: null,
  };
  await insertInvitation(db, doc);
  return { ...presentInvitation(doc), token: `${doc._id}.${secret}` };
}

export async function listInvitations(
  db: Db,
  orgId: string,
  page: PageQuery,
): Promise<Page<ReturnType<typeof presentInvitation>>> {
  const result = await pagePendingInvitationsOfOrganization(db, orgId, page);
  return { items: result.items.map(presentInvitation), nextCursor: result.nextCursor };
}

export async function revokeInvitation(db: Db, orgId: string, invitationId: string) {
  const doc = await findInvitation(db, orgId, invitationId);
  if (!doc || doc.acceptedAt) throw new NotFoundError(`invitation ${invitationId} does not exist`);
  await deleteInvitation(db, orgId, doc._id);
  return presentInvitation(doc);
}

/**
 * A signed-in person accepts with the token: their email must be the invited one, the invitation
 * current and unused. The acceptance record is inserted first under the invitation's id, so two
 * concurrent acceptances cannot both add a member.
 */
/** The invitation a link's token names, when its secret matches; expired ones are refused. */
async function presentedInvitation(db: Db, token: string): Promise<InvitationDoc> {
  const [id, secret] = token.split('.');
  // The link names the invitation, not its organization; from here on everything names doc.orgId.
  const doc = id && secret ? await findInvitationAcrossOrganizations(db, id) : null;
  const presented = secret ? hash(secret) : Buffer.alloc(0);
  const stored = doc ? Buffer.from(doc.secretHash, 'hex') : Buffer.alloc(32);
  if (!doc || presented.length !== stored.length || !timingSafeEqual(presented, stored)) {
    throw new NotFoundError('this invitation does not exist or has been withdrawn');
  }
  if (doc.expiresAt.getTime() <= Date.now()) throw new InvalidError('this invitation has expired');
  return doc;
}

/**
 * What an invitation link offers, for the page it lands on: the organization, the role and the email
 * it was sent to (only to a holder of the link's secret).
 */
export async function previewInvitation(db: Db, token: string) {
  const doc = await presentedInvitation(db, token);
  const org = await getOrganization(db, doc.orgId);
  return {
    orgId: org._id,
    orgName: org.name,
    role: doc.role as Role,
    email: doc.email,
    expiresAt: doc.expiresAt,
    accepted: Boolean(doc.acceptedAt),
  };
}

export async function acceptInvitation(db: Db, token: string, userId: string) {
  const doc = await presentedInvitation(db, token);
  const user = await findUserById(db, userId);
  if (!user || user.emailKey !== doc.emailKey) {
    throw new ForbiddenError('this invitation was sent to another email address');
  }
  if (!(await recordInvitationAcceptance(db, doc._id, userId))) {
    throw new ConflictError('this invitation has already been used');
  }
  const membership = await addMember(db, doc.orgId, userId, doc.role as Role);
  await markInvitationAccepted(db, doc.orgId, doc._id, userId);
  return { orgId: doc.orgId, userId, role: membership.role as Role, invitationId: doc._id };
}
