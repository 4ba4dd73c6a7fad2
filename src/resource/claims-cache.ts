import type { TokenClaims } from './token-claims.js';

const MAX_ENTRIES = 10_000;

/**
 * Verified (or refused) tokens by key, each kept until its own deadline; the oldest entry goes
 * first once the cache is full. Keys are token hashes, never tokens.
 */
export class ClaimsCache {
  readonly #entries = new Map<string, { claims: TokenClaims | null; until: number }>();

  constructor(private readonly maxEntries = MAX_ENTRIES) {}

  /** The cached answer (`null`: known bad), or `undefined` when nothing current is cached. */
  get(key: string, now = Date.now()): TokenClaims | null | undefined {
    const entry = this.#entries.get(key);
    if (!entry) return undefined;
    if (entry.until > now) return entry.claims;
    this.#entries.delete(key);
    return undefined;
  }

  set(key: string, claims: TokenClaims | null, until: number): void {
    if (until <= Date.now()) return;
    if (this.#entries.size >= this.maxEntries) this.#entries.delete(this.#entries.keys().next().value as string);
    this.#entries.set(key, { claims, until });
  }

  delete(key: string): void {
    this.#entries.delete(key);
  }

  clear(): void {
    this.#entries.clear();
  }
}
