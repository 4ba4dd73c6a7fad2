import { ConflictError, InvalidError, NotFoundError } from '../errors.js';
import { newId } from '../ids.js';
import type { Db } from '../stores/db.js';
import { userExists } from '../users/store.js';
import { parseInput } from '../validation.js';
import {
  findMembership,
  insertMembership as insertMembershipRecord,
  listMembershipsOfUserAcrossOrganizations,
  type Membership,
} from './members-store.js';
import { membershipId, type Role } from './model.js';
import {
  findLiveOrganizationsAcrossOrganizations,
  findOrganization,
  insertOrganization,
  type Organization,
} from './organizations-store.js';
import { type CreateOrganizationInput, createOrganizationSchema, orgIdSchema, roleSchema } from './schema.js';

export type { Membership, Organization };

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
  await insertOrganization(db, org);
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
  if (!(await userExists(db, ownerUserId))) throw new NotFoundError('the owner does not exist');
  const now = new Date();
  const org = newOrganizationDoc({ name, description, personal: false }, ownerUserId, now);
  await insertOrganization(db, org);
  await insertMembership(db, org._id, ownerUserId, 'owner', now);
  return org;
}

export async function getOrganization(db: Db, orgId: string): Promise<Organization> {
  const parsed = orgIdSchema.safeParse(orgId);
  const org = parsed.success ? await findOrganization(db, parsed.data) : null;
  if (!org || org.deletingAt) throw new NotFoundError(`organization ${orgId} does not exist`);
  return org;
}

export async function addMember(db: Db, orgId: string, userId: string, role: Role): Promise<Membership> {
  const validRole = parseInput(roleSchema, role);
  const org = await getOrganization(db, orgId);
  if (org.personal) throw new InvalidError('a personal organization cannot have other members');
  if (!(await userExists(db, userId))) throw new NotFoundError(`user ${userId} does not exist`);
  return insertMembership(db, org._id, userId, validRole, new Date());
}

async function insertMembership(db: Db, orgId: string, userId: string, role: Role, now: Date): Promise<Membership> {
  const membership = { _id: membershipId(orgId, userId), orgId, userId, role, createdAt: now };
  if (!(await insertMembershipRecord(db, membership))) {
    throw new ConflictError('this person is already a member of the organization');
  }
  return membership;
}

export async function getMembership(db: Db, orgId: string, userId: string): Promise<Membership | null> {
  return findMembership(db, orgId, userId);
}

/** The organizations a person belongs to, with their role; memberships of vanished orgs are skipped. */
export async function listUserOrganizations(
  db: Db,
  userId: string,
): Promise<Array<{ organization: Organization; role: Role }>> {
  const memberships = await listMembershipsOfUserAcrossOrganizations(db, userId);
  const orgs = await findLiveOrganizationsAcrossOrganizations(
    db,
    memberships.map((m) => m.orgId),
  );
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
