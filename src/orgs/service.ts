import { ConflictError, InvalidError, NotFoundError } from '../errors.js';
import { newId } from '../ids.js';
import type { Db } from '../stores/db.js';
import { isDuplicateKeyError } from '../stores/db.js';
import { parseInput } from '../validation.js';
import { type MembershipDoc, membershipId, type OrganizationDoc, type Role } from './model.js';
import { type CreateOrganizationInput, createOrganizationSchema, orgIdSchema, roleSchema } from './schema.js';

export type Organization = OrganizationDoc & { _id: string };
export type Membership = MembershipDoc & { _id: string };

function newOrganizationDoc(
  { name, description, personal }: { name: string; description?: string | undefined; personal: boolean },
  createdBy: string,
  now: Date,
): Organization {
  return {
    _id: newId('org'),
    name,
    description: description ?? '',
    personal,
    createdBy,
    createdAt: now,
    updatedAt: now,
    clientPolicy: 'any',
    resourcePolicy: 'any',
    deletingAt: null,
    deletionDone: false,
  };
}

/** Called by sign-up: the personal organization a person always has, with them as its owner. */
export async function createPersonalOrganization(
  db: Db,
  { userId, displayName, now }: { userId: string; displayName: string; now: Date },
): Promise<Organization> {
  const org = newOrganizationDoc({ name: `${displayName}'s organization`.slice(0, 100), personal: true }, userId, now);
  await db.organizations.create(org);
  await insertMembership(db, org._id, userId, 'owner', now);
  return org;
}

/** A company organization; the creator becomes its first owner. */
export async function createOrganization(
  db: Db,
  input: CreateOrganizationInput,
  ownerUserId: string,
): Promise<Organization> {
  const { name, description } = parseInput(createOrganizationSchema, input);
  if (!(await db.users.exists({ _id: ownerUserId }))) throw new NotFoundError('the owner does not exist');
  const now = new Date();
  const org = newOrganizationDoc({ name, description, personal: false }, ownerUserId, now);
  await db.organizations.create(org);
  await insertMembership(db, org._id, ownerUserId, 'owner', now);
  return org;
}

export async function getOrganization(db: Db, orgId: string): Promise<Organization> {
  const parsed = orgIdSchema.safeParse(orgId);
  const org = parsed.success ? await db.organizations.findById(parsed.data).lean() : null;
  if (!org || org.deletingAt) throw new NotFoundError(`organization ${orgId} does not exist`);
  return org;
}

export async function addMember(db: Db, orgId: string, userId: string, role: Role): Promise<Membership> {
  const validRole = parseInput(roleSchema, role);
  const org = await getOrganization(db, orgId);
  if (org.personal) throw new InvalidError('a personal organization cannot have other members');
  if (!(await db.users.exists({ _id: userId }))) throw new NotFoundError(`user ${userId} does not exist`);
  return insertMembership(db, org._id, userId, validRole, new Date());
}

async function insertMembership(db: Db, orgId: string, userId: string, role: Role, now: Date): Promise<Membership> {
  const membership = { _id: membershipId(orgId, userId), orgId, userId, role, createdAt: now };
  try {
    await db.memberships.create(membership);
  } catch (error) {
    if (isDuplicateKeyError(error)) throw new ConflictError('this person is already a member of the organization');
    throw error;
  }
  return membership;
}

export async function getMembership(db: Db, orgId: string, userId: string): Promise<Membership | null> {
  return db.memberships.findById(membershipId(orgId, userId)).lean();
}

/** The organizations a person belongs to, with their role; memberships of vanished orgs are skipped. */
export async function listUserOrganizations(
  db: Db,
  userId: string,
): Promise<Array<{ organization: Organization; role: Role }>> {
  const memberships = await db.memberships.find({ userId }).lean();
  const orgs = await db.organizations.find({ _id: { $in: memberships.map((m) => m.orgId) }, deletingAt: null }).lean();
  const byId = new Map(orgs.map((o) => [o._id, o]));
  return memberships
    .flatMap((m) => {
      const organization = byId.get(m.orgId);
      return organization ? [{ organization, role: m.role as Role }] : [];
    })
    .sort(
      (a, b) =>
        Number(b.organization.personal) - Number(a.organization.personal) ||
        a.organization.name.localeCompare(b.organization.name),
    );
}
