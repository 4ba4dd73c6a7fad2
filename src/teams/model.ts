import { type InferSchemaType, Schema } from 'mongoose';

/** A team spends from the organization it is assigned to; it outlives that organization. */
export const teamSchema = new Schema(
  {
    _id: { type: String, required: true },
    name: { type: String, required: true },
    orgId: { type: String, default: null },
    createdAt: { type: Date, required: true },
    updatedAt: { type: Date, required: true },
  },
  { collection: 'teams', versionKey: false },
);

export type TeamDoc = InferSchemaType<typeof teamSchema> & { _id: string };
