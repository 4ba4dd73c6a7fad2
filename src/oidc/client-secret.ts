import { hash } from 'node:crypto';

const PREFIX = 'sha256$';

/** Client secrets are long random strings, so a fast hash is enough; they are never stored in clear. */
export function hashClientSecret(secret: string): string {
  return `${PREFIX}${hash('sha256', secret, 'hex')}`;
}

export function isHashedClientSecret(value: string): boolean {
  return value.startsWith(PREFIX) && value.length === PREFIX.length + 64;
}
