import type { Connection, Model, Schema } from 'mongoose';
import { apiKeySchema, platformKeySchema } from '../apikeys/model.js';
import { auditEventSchema } from '../audit/model.js';
import { creditAccountSchema, creditEntrySchema, creditIdempotencySchema } from '../credits/model.js';
import {
  approvalSchema,
  invitationAcceptanceSchema,
  invitationSchema,
  membershipSchema,
  organizationSchema,
} from '../orgs/model.js';
import { resourceServerSchema } from '../resources/model.js';
import { teamSchema } from '../teams/model.js';
import { userEmailSchema, userSchema } from '../users/model.js';

const schemas = {
  users: userSchema,
  userEmails: userEmailSchema,
  organizations: organizationSchema,
  memberships: membershipSchema,
  resourceServers: resourceServerSchema,
  approvals: approvalSchema,
  invitations: invitationSchema,
  invitationAcceptances: invitationAcceptanceSchema,
  teams: teamSchema,
  apiKeys: apiKeySchema,
  platformKeys: platformKeySchema,
  auditEvents: auditEventSchema,
  creditEntries: creditEntrySchema,
  creditAccounts: creditAccountSchema,
  creditIdempotency: creditIdempotencySchema,
} satisfies Record<string, Schema>;

type Schemas = typeof schemas;
// biome-ignore lint/suspicious/noExplicitAny: mongoose's model typing needs the schema's own generics
type ModelOf<S> = S extends Schema<infer T, any, any, any, any, any, any> ? Model<T> : never;

/** Every collection's model, bound to one connection (one database per test file). */
export type Db = { [K in keyof Schemas]: ModelOf<Schemas[K]> } & { connection: Connection };

export function createDb(connection: Connection): Db {
  const models = Object.fromEntries(
    Object.entries(schemas).map(([name, schema]) => [name, connection.models[name] ?? connection.model(name, schema)]),
  );
  return { ...(models as Omit<Db, 'connection'>), connection };
}

/** Duplicate keys surface as 11000, or on FerretDB updates sometimes as code 1 with a message. */
export function isDuplicateKeyError(error: unknown): boolean {
  const e = error as { code?: number; message?: string } | null;
  if (!e) return false;
  return e.code === 11000 || e.code === 11001 || /duplicate key/i.test(e.message ?? '');
}
