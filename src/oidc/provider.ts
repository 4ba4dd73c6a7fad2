import type { JWK } from 'jose';
import Provider, { type Configuration, errors, type KoaContextWithOIDC } from 'oidc-provider';
import type { Logger } from 'pino';
import type { Config } from '../config.js';
import { newId } from '../ids.js';
import type { RevocationPublisher } from '../revocation/publisher.js';
import type { Stores } from '../stores/index.js';
import { createAdapterFactory } from './adapters/index.js';
import { CLAIMS, extraTokenClaims, findAccount, OIDC_SCOPES } from './claims.js';
import { clientIdMetadataConfiguration } from './client-id-metadata/feature.js';
import { validateClientMetadata } from './client-metadata.js';
import { takeReadAhead } from './code-read-ahead.js';
import { loadOrgBoundGrant } from './existing-grant.js';
import { noteServerError } from './outage-answers.js';
import { renderOidcError } from './render-error.js';
import { chooseGrantedResource, getResourceServerInfo } from './resource-servers.js';
import { announceRevocations } from './revocation-events.js';
import { introspectionAllowed, revocationAllowed } from './token-policies.js';
import { recordIssuedToken, tokenRecordFields } from './token-records.js';
import { logoutSource, postLogoutSuccessSource } from './views.js';

export interface OidcDeps {
  config: Config;
  stores: Stores;
  logger: Logger;
  publisher: RevocationPublisher;
  signingKeys: { keys: JWK[] };
  cookieKeys: string[];
}

const DAY = 24 * 60 * 60;

/** Token and session lifetimes (seconds). Refresh tokens rotate on every use. */
export const TTL = {
  AccessToken: 3600,
  AuthorizationCode: 60,
  ClientCredentials: 600,
  IdToken: 3600,
  Interaction: 3600,
  Session: 14 * DAY,
  Grant: 365 * DAY,
  RefreshToken: 30 * DAY,
} as const;

/** Builds the oidc-provider instance: org-bound grants, MongoDB/Redis storage, our pages. */
export function buildProvider({ config, stores, logger, publisher, signingKeys, cookieKeys }: OidcDeps): Provider {
  const { db } = stores;
  const secureCookies = config.issuer.startsWith('https://');
  const clientIdMetadata = clientIdMetadataConfiguration(config.clientIdMetadata);
  const configuration: Configuration = {
    adapter: createAdapterFactory(stores, {
      enrich: (model, payload) => tokenRecordFields(db, model, payload),
      readAhead: takeReadAhead,
    }),
    jwks: signingKeys as Configuration['jwks'],
    cookies: {
      keys: cookieKeys,
      long: { signed: true, httpOnly: true, sameSite: 'lax', secure: secureCookies },
      short: { signed: true, httpOnly: true, sameSite: 'lax', secure: secureCookies },
    },
    findAccount: (ctx, sub, token) => findAccount(db, ctx, sub, token),
    claims: CLAIMS,
    scopes: OIDC_SCOPES,
    extraParams: ['organization'],
    extraClientMetadata: {
      properties: ['org_id', 'first_party', 'resource_scopes'],
      validator: validateClientMetadata,
    },
    responseTypes: ['code'],
    pkce: { required: () => true },
    clientAuthMethods: ['none', 'client_secret_basic', 'client_secret_post', 'private_key_jwt'],
    enabledJWA: {
      // Client secrets are stored hashed, so no algorithm may use them as a key (HS*, client_secret_jwt).
      clientAuthSigningAlgValues: ['RS256', 'PS256', 'ES256', 'EdDSA'],
      idTokenSigningAlgValues: ['RS256'],
      userinfoSigningAlgValues: ['RS256'],
      introspectionSigningAlgValues: ['RS256'],
      authorizationSigningAlgValues: ['RS256'],
    },
    clientDefaults: {
      grant_types: ['authorization_code'],
      response_types: ['code'],
      id_token_signed_response_alg: 'RS256',
      token_endpoint_auth_method: 'client_secret_basic',
    },
    features: {
      devInteractions: { enabled: false },
      clientCredentials: { enabled: true },
      introspection: {
        enabled: true,
        allowedPolicy: (ctx, client, token) => introspectionAllowed(ctx, client, token),
      },
      registration: {
        enabled: config.registration !== 'off',
        initialAccessToken: config.registration === 'token',
        idFactory: () => newId('cli'),
      },
      revocation: { enabled: true, allowedPolicy: (ctx, client, token) => revocationAllowed(ctx, client, token) },
      userinfo: { enabled: true },
      clientIdMetadataDocument: clientIdMetadata.feature,
      rpInitiatedLogout: { enabled: true, logoutSource, postLogoutSuccessSource },
      resourceIndicators: {
        enabled: true,
        defaultResource: (_ctx, _client, oneOf) => chooseGrantedResource(oneOf, config.defaultResource),
        // A token request that names no resource gets the one the person consented to (RFC 8707 §2.2), at
        // the code exchange as after a refresh: clients such as openid-client send `resource` on the
        // authorization request only.
        useGrantedResource: () => true,
        getResourceServerInfo: (ctx, indicator, client) => getResourceServerInfo(db, ctx, indicator, client),
      },
    },
    interactions: { url: (_ctx, interaction) => `/interaction/${interaction.uid}` },
    loadExistingGrant: (ctx) => loadOrgBoundGrant(db, ctx),
    extraTokenClaims: async (ctx, token) => {
      const claims = await extraTokenClaims(db, ctx, token);
      await recordIssuedToken(db, token, claims);
      return claims;
    },
    // Any client registered for refresh_token gets one: MCP clients never ask for offline_access, and
    // oidc-provider drops offline_access without prompt=consent. Rotation and reuse detection guard it.
    issueRefreshToken: async (_ctx, client) => client.grantTypeAllowed('refresh_token'),
    rotateRefreshToken: () => true,
    // Tokens belong to their grant, not to the browser session: a second authorization of the same
    // client in another organization must not end the first organization's tokens.
    expiresWithSession: async () => false,
    renderError: (ctx, out, error) => renderOidcError(ctx, out, error),
    // Public endpoints (token, userinfo…) answer any origin: browser-based MCP clients call them.
    clientBasedCORS: () => true,
    ttl: { ...TTL },
    discovery: {
      organization_parameter_supported: true,
      organization_claims_supported: ['org_id', 'org_role'],
      service_documentation: `${config.issuer}/docs/org-binding`,
      api_key_introspection_endpoint: `${config.issuer}/api-keys/introspection`,
    },
    conformIdTokenClaims: false,
    // Every document fetched for a client (metadata document, jwks_uri) goes through our guarded fetch.
    fetch: clientIdMetadata.fetch,
    fetchResponseBodyLimits: clientIdMetadata.fetchResponseBodyLimits,
  };
  const provider = new Provider(config.issuer, configuration);
  provider.proxy = config.trustProxy;
  announceRevocations(provider, db, publisher);
  provider.on('server_error', (ctx: KoaContextWithOIDC, error: Error) => {
    if (noteServerError(ctx, error)) logger.warn({ err: error, path: ctx.path }, 'store unavailable');
    else if (!(error instanceof errors.OIDCProviderError))
      logger.error({ err: error, path: ctx.path }, 'oidc server error');
  });
  return provider;
}
