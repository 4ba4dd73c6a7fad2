// What the Orgauth side of a benchmark needs in its database, written through Orgauth's own services:
// a person owning an organization with a JWT and an opaque resource server, an org-owned
// client-credentials client (the "worker", also the resource servers' introspection client), a
// third-party app with an org-bound grant (for codes and refresh tokens), an org API key and a
// funded credit account.
import type Provider from 'oidc-provider';
import { createApiKey } from '../src/apikeys/service.js';
import { addCredits } from '../src/credits/service.js';
import { registerOrgClient } from '../src/oidc/clients.js';
import { issueOrgBoundGrant } from '../src/oidc/interactions/org-choice.js';
import { createOrganization } from '../src/orgs/service.js';
import { createResourceServer } from '../src/resources/service.js';
import type { Db } from '../src/stores/db.js';
import { signUp } from '../src/users/service.js';
import { mintCodes, mintRefreshTokens } from './mint.js';

export const JWT_API = 'https://bench-jwt.orgauth.test/';
export const OPAQUE_API = 'https://bench-opaque.orgauth.test/';
export const REDIRECT_URI = 'http://127.0.0.1:5989/cb';

export interface Credentials {
  id: string;
  secret: string;
}

export async function orgauthFixture(provider: Provider, db: Db) {
  const owner = await signUp(db, { email: `bench-${Date.now()}@orgauth.test`, password: 'bench-password' });
  const org = await createOrganization(db, { name: 'Bench' }, owner._id);
  await createResourceServer(db, { uri: JWT_API, scopes: ['read'], format: 'jwt', orgId: org._id });
  await createResourceServer(db, { uri: OPAQUE_API, scopes: ['read'], format: 'opaque', orgId: org._id });
  const worker = await registerOrgClient(provider, db, {
    orgId: org._id,
    name: 'Bench worker',
    grantTypes: ['client_credentials'],
    scope: 'read',
  });
  const app = await registerOrgClient(provider, db, { name: 'Bench app', redirectUris: [REDIRECT_URI] });
  const details = { missingOIDCScope: ['openid', 'offline_access'], missingResourceScopes: { [JWT_API]: ['read'] } };
  const grantId = await issueOrgBoundGrant(provider, db, {
    userId: owner._id,
    clientId: app.client_id,
    orgId: org._id,
    details,
  });
  const apiKey = (await createApiKey(db, { orgId: org._id, userId: owner._id }, { name: 'bench' })).key;
  await addCredits(
    db,
    org._id,
    { amount: 1_000_000_000_000, description: 'bench' },
    { actor: { type: 'system', id: 'bench' } },
  );
  const mintInput = {
    accountId: owner._id,
    clientId: app.client_id,
    grantId,
    redirectUri: REDIRECT_URI,
    resource: JWT_API,
  };
  return {
    ownerId: owner._id,
    orgId: org._id,
    worker: { id: worker.client_id, secret: worker.client_secret ?? '' } as Credentials,
    app: { id: app.client_id, secret: app.client_secret ?? '' } as Credentials,
    grantId,
    apiKey,
    mint: (kind: 'codes' | 'refresh', count: number) =>
      kind === 'codes'
        ? mintCodes(provider, { ...mintInput, count })
        : mintRefreshTokens(provider, { ...mintInput, count }),
    /** A new app authorized in the organization: a grant to revoke. */
    async freshGrant(): Promise<string> {
      const other = await registerOrgClient(provider, db, { name: 'Bench app', redirectUris: [REDIRECT_URI] });
      return issueOrgBoundGrant(provider, db, {
        userId: owner._id,
        clientId: other.client_id,
        orgId: org._id,
        details,
      });
    },
  };
}

export type OrgauthFixture = Awaited<ReturnType<typeof orgauthFixture>>;

export const basicOf = (client: Credentials) =>
  `Basic ${Buffer.from(`${client.id}:${client.secret}`).toString('base64')}`;
export const form = { 'content-type': 'application/x-www-form-urlencoded' };
export const encode = (fields: Record<string, string>) => new URLSearchParams(fields).toString();

/** A client-credentials access token of `worker` for `resource`. */
export async function clientCredentialsToken(base: string, worker: Credentials, resource: string): Promise<string> {
  const answer = await fetch(`${base}/token`, {
    method: 'POST',
    headers: { authorization: basicOf(worker), ...form },
    body: encode({ grant_type: 'client_credentials', resource, scope: 'read' }),
  });
  const body = (await answer.json()) as { access_token?: string };
  if (!body.access_token) throw new Error(`${base}: no token (${JSON.stringify(body)})`);
  return body.access_token;
}

/** Opens `count` sign-ins (GET /auth) and returns each sign-in page's path with its interaction cookie. */
export async function openSignIns(base: string, appId: string, count: number) {
  const pages: Array<{ path: string; cookie: string }> = [];
  for (let i = 0; i < count; i++) {
    const started = await fetch(`${base}/auth?${authorizationQuery(appId, `s${i}`)}`, { redirect: 'manual' });
    const location = started.headers.get('location') ?? '';
    const cookie = started.headers
      .getSetCookie()
      .map((c) => c.split(';')[0])
      .join('; ');
    pages.push({ path: new URL(location, base).pathname, cookie });
  }
  return pages;
}

export const authorizationQuery = (appId: string, state: string) =>
  encode({
    client_id: appId,
    response_type: 'code',
    scope: 'openid',
    redirect_uri: REDIRECT_URI,
    code_challenge: 'c'.repeat(43),
    code_challenge_method: 'S256',
    state,
  });
