import { type InferSchemaType, Schema } from 'mongoose';

/**
 * Append-only: entries are inserted, never updated or deleted. `_id` starts with the time, so
 * "newest first" is a descending `_id` order and a cursor is the last `_id` seen.
 */
export const auditEventSchema = new Schema(
  {
    _id: { type: String, required: true },
    orgId: { type: String, required: true },
    at: { type: Date, required: true },
    actorType: { type: String, required: true },
    actorId: { type: String, required: true },
    /** The person an API key acted for (its owner at the time). */
    actorUserId: { type: String, default: null },
    action: { type: String, required: true },
    targetType: { type: String, required: true },
    targetId: { type: String, required: true },
    requestId: { type: String, default: null },
    data: { type: Schema.Types.Mixed, default: {} },
  },
  { collection: 'audit_events', versionKey: false, minimize: false },
);

export type AuditEventDoc = InferSchemaType<typeof auditEventSchema> & { _id: string };
