import { randomBytes } from 'node:crypto';

/** Prefixed random ids (`usr_...`, `org_...`): 128 bits, URL-safe, readable in logs. */
export function newId(prefix: string): string {
  return `${prefix}_${randomBytes(16).toString('base64url')}`;
}
