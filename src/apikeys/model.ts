import { type InferSchemaType, Schema } from 'mongoose';

/**
 * A member's API key in one organization. `_id` is the key id, which the key itself carries, so a
 * presented key is found by `_id`; only a hash of the whole key is stored.
 */
export const apiKeySchema = new Schema(
  {
    _id: { type: String, required: true },
    orgId: { type: String, required: true },
    userId: { type: String, required: true },
    name: { type: String, required: true },
    /** Scopes the key may be used for; empty means every scope the member could be granted. */
    scopes: { type: [String], default: [] },
    /** A team of the organization the key spends for: its debits name the team. */
    teamId: { type: String, default: null },
    secretHash: { type: String, required: true },
    /** What people see to recognise a key: its prefix and last characters. */
    hint: { type: String, required: true },
    createdAt: { type: Date, required: true },
    expiresAt: { type: Date, default: null },
    lastUsedAt: { type: Date, default: null },
  },
  { collection: 'api_keys', versionKey: false },
);

/** Operators' keys for the cross-organization routes of the admin API. */
export const platformKeySchema = new Schema(
  {
    _id: { type: String, required: true },
    name: { type: String, required: true },
    secretHash: { type: String, required: true },
    hint: { type: String, required: true },
    createdAt: { type: Date, required: true },
  },
  { collection: 'platform_keys', versionKey: false },
);

export type ApiKeyDoc = InferSchemaType<typeof apiKeySchema> & { _id: string };
export type PlatformKeyDoc = InferSchemaType<typeof platformKeySchema> & { _id: string };
