import type { AdapterPayload } from './types.js';

/** How oidc-provider's models are kept in MongoDB: the payload as JSON beside the fields queried on. */
export interface StoredRecord {
  _id: string;
  /** The oidc payload as JSON: its keys may contain dots (URLs), which FerretDB refuses as document keys. */
  payload: string;
  grantId?: string;
  uid?: string;
  userCode?: string;
  expiresAt?: Date;
  consumed?: number;
  [field: string]: unknown;
}

/** The payload of a stored record, or undefined when there is none or it has expired. */
export function decodeStoredRecord(record: StoredRecord | null): AdapterPayload | undefined {
  if (!record) return undefined;
  if (record.expiresAt && record.expiresAt.getTime() <= Date.now()) return undefined;
  const payload = JSON.parse(record.payload) as AdapterPayload;
  return record.consumed ? { ...payload, consumed: record.consumed } : payload;
}
