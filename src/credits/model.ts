import { type InferSchemaType, Schema } from 'mongoose';

/**
 * The append-only ledger. `_id` = `${orgId}:${seq}` (seq zero-padded): inserting the next sequence
 * number is the one atomic step of every balance change, so two writers can never both extend the
 * same head, and each entry carries the balance after it. `idempotencyKey` is unique per
 * organization (generated for entries without one), so a key can be charged once at most.
 */
export const creditEntrySchema = new Schema(
  {
    _id: { type: String, required: true },
    orgId: { type: String, required: true },
    seq: { type: Number, required: true },
    kind: { type: String, enum: ['credit', 'debit'], required: true },
    /** Signed: positive for credits, negative for debits. Integer units. */
    amount: { type: Number, required: true },
    balanceAfter: { type: Number, required: true },
    description: { type: String, required: true },
    idempotencyKey: { type: String, required: true },
    requestHash: { type: String, required: true },
    at: { type: Date, required: true },
    actorType: { type: String, required: true },
    actorId: { type: String, required: true },
    /** Attribution of debits, from the authenticated credential. */
    userId: { type: String, default: null },
    keyId: { type: String, default: null },
    teamId: { type: String, default: null },
    clientId: { type: String, default: null },
    grantId: { type: String, default: null },
    resource: { type: String, default: null },
    requestId: { type: String, default: null },
  },
  { collection: 'credit_entries', versionKey: false },
);

/** A cache of each organization's head (last seq and balance) and its settings; repaired on read. */
export const creditAccountSchema = new Schema(
  {
    _id: { type: String, required: true },
    seq: { type: Number, default: 0 },
    balance: { type: Number, default: 0 },
    overdraftLimit: { type: Number, default: 0 },
    updatedAt: { type: Date, required: true },
  },
  { collection: 'credit_accounts', versionKey: false },
);

/** Idempotency keys already charged, by `${orgId}:${key}`: replays are found by `_id`. */
export const creditIdempotencySchema = new Schema(
  {
    _id: { type: String, required: true },
    orgId: { type: String, required: true },
    entryId: { type: String, required: true },
    requestHash: { type: String, required: true },
  },
  { collection: 'credit_idempotency', versionKey: false },
);

export type CreditEntryDoc = InferSchemaType<typeof creditEntrySchema> & { _id: string };
export type CreditAccountDoc = InferSchemaType<typeof creditAccountSchema> & { _id: string };

export const entryId = (orgId: string, seq: number) => `${orgId}:${String(seq).padStart(12, '0')}`;
