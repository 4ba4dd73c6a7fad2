import type Provider from 'oidc-provider';
import { InvalidError } from '../errors.js';

/** Longest an initial access token may live (30 days). */
const MAX_LIFETIME_SECONDS = 30 * 24 * 3600;

/**
 * An initial access token (RFC 7591 §3): with REGISTRATION=token, dynamic registration needs one,
 * and it also lets confidential clients register. Stored hashed like every other token model.
 */
export async function issueInitialAccessToken(provider: Provider, expiresInSeconds: number) {
  if (!Number.isInteger(expiresInSeconds) || expiresInSeconds < 1 || expiresInSeconds > MAX_LIFETIME_SECONDS) {
    throw new InvalidError(`the lifetime must be a whole number of seconds from 1 to ${MAX_LIFETIME_SECONDS}`);
  }
  const issuedAt = Math.floor(Date.now() / 1000);
  const value = await new provider.InitialAccessToken({ expiresIn: expiresInSeconds, iat: issuedAt }).save();
  return {
    initial_access_token: value,
    expires_at: new Date((issuedAt + expiresInSeconds) * 1000).toISOString(),
  };
}
