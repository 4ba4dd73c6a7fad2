// Prepares single-use credentials for the benchmark scenarios that consume them (authorization codes,
// refresh tokens): minted through the provider's own models, as a finished sign-in would leave them,
// so that the measured requests are only the token endpoint's work.
import { createHash } from 'node:crypto';
import type Provider from 'oidc-provider';

export const CODE_VERIFIER = 'bench-code-verifier-0123456789-abcdefghijklmnopqrstuvwxyz';
const CODE_CHALLENGE = createHash('sha256').update(CODE_VERIFIER).digest('base64url');

export interface MintInput {
  accountId: string;
  clientId: string;
  grantId: string;
  redirectUri: string;
  resource: string;
  count: number;
}

/** Runs `make` `count` times, a few at a time (the stores answer concurrent writes faster). */
async function inParallel(count: number, make: () => Promise<string>): Promise<string[]> {
  const made: string[] = [];
  for (let start = 0; start < count; start += 16) {
    made.push(...(await Promise.all(Array.from({ length: Math.min(16, count - start) }, make))));
  }
  return made;
}

/** Authorization codes of one grant, each for the same PKCE verifier. */
export async function mintCodes(provider: Provider, input: MintInput): Promise<string[]> {
  const client = await provider.Client.find(input.clientId);
  if (!client) throw new Error(`no client ${input.clientId}`);
  return inParallel(input.count, () => {
    const code = new provider.AuthorizationCode({
      accountId: input.accountId,
      client,
      grantId: input.grantId,
      redirectUri: input.redirectUri,
      scope: 'openid offline_access read',
      resource: input.resource,
      codeChallenge: CODE_CHALLENGE,
      codeChallengeMethod: 'S256',
      authTime: Math.floor(Date.now() / 1000),
    } as never);
    return code.save();
  });
}

/** Refresh tokens of one grant. */
export async function mintRefreshTokens(provider: Provider, input: MintInput): Promise<string[]> {
  const client = await provider.Client.find(input.clientId);
  if (!client) throw new Error(`no client ${input.clientId}`);
  return inParallel(input.count, () => {
    const token = new provider.RefreshToken({
      accountId: input.accountId,
      client,
      grantId: input.grantId,
      scope: 'openid offline_access read',
      resource: input.resource,
      gty: 'authorization_code',
      rotations: 0,
      iiat: Math.floor(Date.now() / 1000),
      authTime: Math.floor(Date.now() / 1000),
    } as never);
    return token.save();
  });
}

/** A grant of `openid offline_access` and `read` at the resource (the baseline; Orgauth binds it to an organization). */
export async function plainGrant(provider: Provider, accountId: string, clientId: string, resource: string) {
  const grant = new provider.Grant({ accountId, clientId });
  grant.addOIDCScope('openid offline_access');
  grant.addResourceScope(resource, 'read');
  return grant.save();
}
