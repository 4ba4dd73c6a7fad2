import { type InferSchemaType, Schema } from 'mongoose';

/** A person. `_id` is generated (`usr_...`); `emailKey` is the normalised email, unique. */
export const userSchema = new Schema(
  {
    _id: { type: String, required: true },
    email: { type: String, required: true },
    emailKey: { type: String, required: true },
    name: { type: String, default: '' },
    passwordHash: { type: String, required: true },
    personalOrgId: { type: String, required: true },
    /** Operators of the deployment: the platform pages of the console (organizations, teams). */
    platformAdmin: { type: Boolean, default: false },
    createdAt: { type: Date, required: true },
  },
  { collection: 'users', versionKey: false },
);

/**
 * Claims an email for a user, keyed by the normalised email so that sign-in looks people up by
 * `_id` (the only fast lookup on FerretDB) and two sign-ups for one email cannot both win.
 */
export const userEmailSchema = new Schema(
  {
    _id: { type: String, required: true },
    userId: { type: String, required: true },
    createdAt: { type: Date, required: true },
  },
  { collection: 'user_emails', versionKey: false },
);

export type UserDoc = InferSchemaType<typeof userSchema>;
export type UserEmailDoc = InferSchemaType<typeof userEmailSchema>;
