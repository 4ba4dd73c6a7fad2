import { createHash, randomUUID } from 'node:crypto';
import { z } from 'zod';
import type { Actor } from '../audit/service.js';
import { ConflictError, InsufficientCreditsError, InvalidError } from '../errors.js';
import { getOrganization } from '../orgs/service.js';
import type { Db } from '../stores/db.js';
import type { Page, PageQuery } from '../stores/pagination.js';
import { parseInput } from '../validation.js';
import { appendEntry, forgetHead, readHead } from './ledger.js';
import type { CreditEntryDoc } from './model.js';
import { pageEntries, setAccountOverdraftLimit } from './store.js';
import { usageOfPeriod } from './usage.js';

/** Integer units; no fractions, and nothing near the limits of exact doubles. */
const amountSchema = z
  .number({ error: 'must be a number' })
  .int('must be a whole number of units')
  .min(1, 'must be at least 1')
  .max(1_000_000_000_000, 'is too large');
export const changeSchema = z.object({
  amount: amountSchema,
  description: z.string().trim().min(1, 'is required').max(500, 'must be at most 500 characters'),
});
export type ChangeInput = z.input<typeof changeSchema>;
export const idempotencyKeySchema = z
  .string({ error: 'Idempotency-Key header is required' })
  .regex(/^[\x21-\x7E]{1,200}$/, 'must be 1 to 200 visible ASCII characters');

/** Who is charged for a debit, always taken from the authenticated credential. */
export interface Attribution {
  userId?: string | undefined;
  keyId?: string | undefined;
  /** The team of the key, when the key spends for one of the organization's teams. */
  teamId?: string | undefined;
  clientId?: string | undefined;
  grantId?: string | undefined;
  resource?: string | undefined;
}

/** The attribution fields of a ledger entry: each one named, or null. */
export function attributionFields(a: Attribution = {}, requestId?: string) {
  return {
    userId: a.userId ?? null,
    keyId: a.keyId ?? null,
    teamId: a.teamId ?? null,
    clientId: a.clientId ?? null,
    grantId: a.grantId ?? null,
    resource: a.resource ?? null,
    requestId: requestId ?? null,
  };
}

export function presentEntry(doc: CreditEntryDoc) {
  return {
    id: doc._id,
    seq: doc.seq,
    kind: doc.kind as 'credit' | 'debit',
    amount: Math.abs(doc.amount),
    balanceAfter: doc.balanceAfter,
    description: doc.description,
    at: doc.at.toISOString(),
    actor: { type: doc.actorType, id: doc.actorId },
    attribution: {
      userId: doc.userId ?? null,
      keyId: doc.keyId ?? null,
      teamId: doc.teamId ?? null,
      clientId: doc.clientId ?? null,
      grantId: doc.grantId ?? null,
      resource: doc.resource ?? null,
    },
  };
}
export type EntryView = ReturnType<typeof presentEntry>;

const hashRequest = (kind: string, amount: number, description: string) =>
  createHash('sha256')
    .update(JSON.stringify([kind, amount, description]))
    .digest('base64url');

interface ChangeOptions {
  actor: Actor;
  attribution?: Attribution;
  idempotencyKey?: string | undefined;
  requestId?: string | undefined;
}

async function change(db: Db, orgId: string, kind: 'credit' | 'debit', input: ChangeInput, options: ChangeOptions) {
  const { amount, description } = parseInput(changeSchema, input);
  await getOrganization(db, orgId);
  const key =
    options.idempotencyKey === undefined ? undefined : parseInput(idempotencyKeySchema, options.idempotencyKey);
  const requestHash = hashRequest(kind, amount, description);
  const signed = kind === 'credit' ? amount : -amount;
  const result = await appendEntry(
    db,
    orgId,
    (head) => {
      if (kind === 'debit' && head.balance - amount < -head.overdraftLimit) {
        throw new InsufficientCreditsError(
          `the balance is ${head.balance}; a debit of ${amount} would go below the limit of ${-head.overdraftLimit}`,
        );
      }
      return {
        kind,
        amount: signed,
        description,
        idempotencyKey: key ?? `auto:${randomUUID()}`,
        requestHash,
        actorType: options.actor.type,
        actorId: options.actor.id,
        ...attributionFields(options.attribution, options.requestId),
      };
    },
    key,
  );
  if (result.replayed && result.entry.requestHash !== requestHash) throw keyReused();
  return { entry: presentEntry(result.entry), replayed: result.replayed };
}

const keyReused = () => new ConflictError('this Idempotency-Key was already used with a different request');

export function addCredits(db: Db, orgId: string, input: ChangeInput, options: ChangeOptions) {
  return change(db, orgId, 'credit', input, options);
}

/** Charges the organization; 402 when the balance would go below the overdraft limit. */
export async function debitCredits(
  db: Db,
  orgId: string,
  input: ChangeInput,
  options: ChangeOptions & { idempotencyKey: string | undefined },
) {
  if (!options.idempotencyKey) {
    throw new InvalidError('a debit needs an Idempotency-Key header', { 'Idempotency-Key': 'is required' });
  }
  return change(db, orgId, 'debit', input, options);
}

export async function getCredits(db: Db, orgId: string) {
  await getOrganization(db, orgId);
  const head = await readHead(db, orgId);
  return { orgId, balance: head.balance, overdraftLimit: head.overdraftLimit, entries: head.seq };
}

export async function setOverdraftLimit(db: Db, orgId: string, limit: number) {
  const valid = parseInput(z.number().int().min(0).max(1_000_000_000_000), limit);
  await getOrganization(db, orgId);
  await setAccountOverdraftLimit(db, orgId, valid);
  forgetHead(db, orgId);
  return getCredits(db, orgId);
}

export const transactionFilterSchema = z.object({
  kind: z.enum(['credit', 'debit']).optional(),
  userId: z.string().max(100).optional(),
  keyId: z.string().max(100).optional(),
  teamId: z.string().max(100).optional(),
  clientId: z.string().max(200).optional(),
  from: z.coerce.date({ error: 'must be a date-time' }).optional(),
  to: z.coerce.date({ error: 'must be a date-time' }).optional(),
});
export type TransactionFilter = z.output<typeof transactionFilterSchema>;

/** The log, newest first. */
export async function listTransactions(
  db: Db,
  orgId: string,
  filter: TransactionFilter,
  page: PageQuery,
): Promise<Page<EntryView>> {
  await getOrganization(db, orgId);
  const result = await pageEntries(db, orgId, filter, page);
  return { items: result.items.map(presentEntry), nextCursor: result.nextCursor };
}

/** Debits summed by member, key, team and client over a period (from rollups; see usage.ts). */
export async function usageReport(db: Db, orgId: string, filter: Pick<TransactionFilter, 'from' | 'to'>) {
  const [, usage] = await Promise.all([getOrganization(db, orgId), usageOfPeriod(db, orgId, filter)]);
  return usage;
}
