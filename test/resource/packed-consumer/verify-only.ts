// Typechecked in a fresh project where only the packed orgauth (and @types/node) is installed, every
// declaration file included (skipLibCheck off).
import { orgAuthOf, requireOrgToken } from 'orgauth/express';
import { createOrgVerifier, type OrgAuth, OrgTokenError, revocationFeed } from 'orgauth/verify';

const { verifyOrgRequest } = createOrgVerifier({
  issuer: 'https://auth.example.com',
  audience: (request) => `https://api.example.com/orgs/${request.orgId}/`,
  scopes: ['things:read'],
  revocation: revocationFeed({ redisUrl: 'redis://127.0.0.1:6379' }),
});

export async function handle(authorization: string | undefined, orgId: string): Promise<OrgAuth | number> {
  try {
    return await verifyOrgRequest({ authorization, url: `https://api.example.com/orgs/${orgId}/things`, orgId });
  } catch (error) {
    if (error instanceof OrgTokenError) return error.status;
    throw error;
  }
}

/** orgauth/express needs no Express: Node's own server takes it. */
export const middleware = requireOrgToken({ issuer: 'https://auth.example.com', audience: 'x', org: () => 'org' });
export const callerOf = orgAuthOf;
