import { z } from 'zod';
import { ROLES } from '../orgs/model.js';
import { pageQuerySchema } from '../stores/pagination.js';

const id = (pattern: RegExp, what: string) => z.string().max(100).regex(pattern, `is not ${what}`);
export const orgIdParam = id(/^org_[A-Za-z0-9_-]{10,40}$/, 'an organization id');
export const userIdParam = id(/^usr_[A-Za-z0-9_-]{10,40}$/, 'a user id');
export const teamIdParam = id(/^team_[A-Za-z0-9_-]{10,40}$/, 'a team id');
export const keyIdParam = id(/^key_[A-Za-z0-9]{16}$/, 'an API key id');
export const invitationIdParam = id(/^inv_[A-Za-z0-9_-]{10,40}$/, 'an invitation id');
export const clientIdParam = z.string().min(1).max(200);
export const grantIdParam = z.string().min(1).max(200);

export const orgParams = z.object({ orgId: orgIdParam });
export const pageQuery = pageQuerySchema;
export const roleEnum = z.enum(ROLES);

const pages = new Map<string, z.ZodType>();

/** A page of items and the cursor of the next one (one schema per item kind, named `${name}Page`). */
export function pageOf<T extends z.ZodType>(item: T, name: string) {
  const schema =
    pages.get(name) ??
    z.object({ items: z.array(item), nextCursor: z.string().nullable() }).meta({ id: `${name}Page` });
  pages.set(name, schema);
  return schema as z.ZodObject<{ items: z.ZodArray<T>; nextCursor: z.ZodNullable<z.ZodString> }>;
}

const timestamp = z.string().describe('ISO 8601 date-time');

export const organizationSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    description: z.string(),
    personal: z.boolean(),
    clientPolicy: z.enum(['any', 'approved']),
    resourcePolicy: z.enum(['any', 'approved']),
    createdAt: timestamp,
    teamsCount: z.number().int().optional(),
    membersCount: z
      .number()
      .int()
      .optional()
      .describe('members, counted up to 10,001: 10001 means more than 10,000 (only in the single-organization answer)'),
  })
  .meta({ id: 'Organization' });

export const memberSchema = z
  .object({ userId: z.string(), email: z.string(), name: z.string(), role: roleEnum, joinedAt: timestamp })
  .meta({ id: 'Member' });

export const invitationSchema = z
  .object({
    id: z.string(),
    orgId: z.string(),
    email: z.string(),
    role: roleEnum,
    invitedBy: z.string(),
    createdAt: timestamp,
    expiresAt: timestamp,
    acceptedAt: timestamp.nullable(),
    token: z.string().optional().describe('only in the answer that creates it'),
  })
  .meta({ id: 'Invitation' });

export const teamSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    orgId: z.string().nullable(),
    createdAt: timestamp,
    updatedAt: timestamp,
  })
  .meta({ id: 'Team' });

export const apiKeySchema = z
  .object({
    id: z.string(),
    orgId: z.string(),
    userId: z.string(),
    name: z.string(),
    scopes: z.array(z.string()),
    teamId: z.string().nullable(),
    hint: z.string(),
    createdAt: timestamp,
    expiresAt: timestamp.nullable(),
    lastUsedAt: timestamp.nullable(),
    key: z.string().optional().describe('the secret: only in the answer that creates it'),
  })
  .meta({ id: 'ApiKey' });

export const clientSchema = z
  .object({
    clientId: z.string(),
    name: z.string().nullable(),
    orgId: z.string().nullable(),
    redirectUris: z.array(z.string()),
    grantTypes: z.array(z.string()),
    public: z.boolean(),
    firstParty: z.boolean(),
    scope: z.string(),
    clientSecret: z.string().optional().describe('only in the answers that create or rotate it'),
  })
  .meta({ id: 'Client' });

export const resourceServerSchema = z
  .object({
    uri: z.string(),
    scopes: z.array(z.string()),
    orgId: z.string().nullable(),
    /** `prefix`: `uri` is a base and URLs under it are resources too, each the audience of its tokens. */
    match: z.enum(['exact', 'prefix']),
    /** Where URLs under the base name their organization, e.g. `/orgs/{orgId}/`; null when they do not. */
    orgPath: z.string().nullable(),
    format: z.enum(['jwt', 'opaque']),
    accessTokenTtl: z.number().int(),
    createdAt: timestamp,
  })
  .meta({ id: 'ResourceServer' });

export const approvalSchema = z
  .object({ ref: z.string(), approvedBy: z.string(), createdAt: timestamp })
  .meta({ id: 'Approval' });

export const connectedAppSchema = z
  .object({
    grantId: z.string(),
    userId: z.string(),
    clientId: z.string(),
    clientName: z.string().nullable(),
    scopes: z.array(z.string()),
    resources: z.record(z.string(), z.array(z.string())),
    createdAt: timestamp,
    lastUsedAt: timestamp.nullable(),
  })
  .meta({ id: 'ConnectedApp' });

export const auditEventSchema = z
  .object({
    id: z.string(),
    at: timestamp,
    actor: z.object({
      type: z.string(),
      id: z.string(),
      /** For an API key: the person it acted for. */
      userId: z.string().nullable(),
    }),
    action: z.string(),
    target: z.object({ type: z.string(), id: z.string() }),
    requestId: z.string().nullable(),
    data: z.record(z.string(), z.unknown()),
  })
  .meta({ id: 'AuditEvent' });
