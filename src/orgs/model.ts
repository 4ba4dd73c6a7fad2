import { type InferSchemaType, Schema } from 'mongoose';

export const ROLES = ['owner', 'admin', 'member'] as const;
export type Role = (typeof ROLES)[number];

export const organizationSchema = new Schema(
  {
    _id: { type: String, required: true },
    name: { type: String, required: true },
    description: { type: String, default: '' },
    personal: { type: Boolean, required: true },
    createdBy: { type: String, required: true },
    createdAt: { type: Date, required: true },
    updatedAt: { type: Date, required: true },
    /** Which third-party clients (not owned by this organization) may be authorized in it. */
    clientPolicy: { type: String, enum: ['any', 'approved'], default: 'any' },
    /** Which resource servers (not owned by this organization) tokens of it may be issued for. */
    resourcePolicy: { type: String, enum: ['any', 'approved'], default: 'any' },
    /** Set when deletion starts; such an organization no longer exists for anyone. */
    deletingAt: { type: Date, default: null },
    /** Set once every step of the deletion has run. */
    deletionDone: { type: Boolean, default: false },
  },
  { collection: 'organizations', versionKey: false },
);

/**
 * One document per membership, `_id` = `${orgId}:${userId}`: unique by construction and found by
 * `_id`. Never an array inside the organization (FerretDB cannot edit arrays safely in place).
 */
export const membershipSchema = new Schema(
  {
    _id: { type: String, required: true },
    orgId: { type: String, required: true },
    userId: { type: String, required: true },
    role: { type: String, enum: ROLES, required: true },
    createdAt: { type: Date, required: true },
  },
  { collection: 'memberships', versionKey: false },
);

export const membershipId = (orgId: string, userId: string) => `${orgId}:${userId}`;

/** An organization's approval of a third-party client or a resource server, `_id` = `${orgId}|${kind}|${ref}`. */
export const approvalSchema = new Schema(
  {
    _id: { type: String, required: true },
    orgId: { type: String, required: true },
    kind: { type: String, enum: ['client', 'resource'], required: true },
    ref: { type: String, required: true },
    approvedBy: { type: String, required: true },
    createdAt: { type: Date, required: true },
  },
  { collection: 'org_approvals', versionKey: false },
);
export const approvalId = (orgId: string, kind: 'client' | 'resource', ref: string) => `${orgId}|${kind}|${ref}`;

/**
 * An invitation to join with a role. The token holds the id and a secret whose hash is stored;
 * acceptance inserts `invitation_acceptances` with the same `_id`, so it succeeds once.
 */
export const invitationSchema = new Schema(
  {
    _id: { type: String, required: true },
    orgId: { type: String, required: true },
    email: { type: String, required: true },
    emailKey: { type: String, required: true },
    role: { type: String, enum: ROLES, required: true },
    secretHash: { type: String, required: true },
    invitedBy: { type: String, required: true },
    createdAt: { type: Date, required: true },
    expiresAt: { type: Date, required: true },
    acceptedAt: { type: Date, default: null },
    acceptedBy: { type: String, default: null },
  },
  { collection: 'invitations', versionKey: false },
);
export const invitationAcceptanceSchema = new Schema(
  {
    _id: { type: String, required: true },
    userId: { type: String, required: true },
    createdAt: { type: Date, required: true },
  },
  { collection: 'invitation_acceptances', versionKey: false },
);

export type OrganizationDoc = InferSchemaType<typeof organizationSchema>;
export type MembershipDoc = InferSchemaType<typeof membershipSchema>;
export type InvitationDoc = InferSchemaType<typeof invitationSchema> & { _id: string };
