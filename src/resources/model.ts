import { type InferSchemaType, Schema } from 'mongoose';

/**
 * A protected resource (API, MCP server) tokens can be issued for; `_id` is its URI, the token
 * audience. With `match: 'prefix'` it is a base: URLs under it are accepted too, each the audience
 * of its own tokens, and `orgPath` (e.g. `/orgs/{orgId}/`) says where they name their organization.
 */
export const resourceServerSchema = new Schema(
  {
    _id: { type: String, required: true },
    scopes: { type: [String], default: [] },
    orgId: { type: String, default: null },
    match: { type: String, enum: ['exact', 'prefix'], default: 'exact' },
    orgPath: { type: String, default: null },
    format: { type: String, enum: ['jwt', 'opaque'], required: true },
    accessTokenTtl: { type: Number, required: true },
    createdAt: { type: Date, required: true },
  },
  { collection: 'resource_servers', versionKey: false },
);

export type ResourceServerDoc = InferSchemaType<typeof resourceServerSchema> & { _id: string };
