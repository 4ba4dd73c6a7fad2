import * as client from 'openid-client';
import type { Logger } from 'pino';
import type { Page } from 'playwright-core';
import type { Config } from '../../src/config.js';
import { createLogger } from '../../src/logger.js';
import { registerOrgClient } from '../../src/oidc/clients.js';
import { createOidc } from '../../src/oidc/index.js';
import type { Stores } from '../../src/stores/index.js';
import { freePort } from '../../src/stores/local/processes.js';
import { captureCallback } from './browser.js';
import { startTestServer, testConfig } from './harness.js';

/** A server whose issuer is its own loopback URL, as openid-client's discovery requires. */
export async function startOidcServer(overrides: Record<string, string> = {}, logger?: Logger) {
  const port = overrides.PORT ?? String(await freePort());
  const config = testConfig({ PORT: port, ISSUER: `http://127.0.0.1:${port}`, ...overrides });
  const server = await startTestServer(config, logger);
  return { ...server, config, issuer: config.issuer };
}

/** Registers an org-owned client through the same code as `orgauth client create`. */
export async function createClient(
  stores: Stores,
  config: Config,
  input: Parameters<typeof registerOrgClient>[2],
): Promise<{ client_id: string; client_secret?: string }> {
  const { provider } = await createOidc(config, stores, createLogger({ logLevel: 'silent' }));
  return registerOrgClient(provider, stores.db, input);
}

/** An openid-client relying party for a registered client. */
export function relyingParty(issuer: string, clientId: string, clientSecret?: string) {
  return client.discovery(
    new URL(issuer),
    clientId,
    clientSecret,
    clientSecret ? client.ClientSecretBasic(clientSecret) : client.None(),
    { execute: [client.allowInsecureRequests] },
  );
}

export interface AuthorizeOptions {
  redirectUri: string;
  scope: string;
  resource?: string;
  organization?: string;
  extra?: Record<string, string>;
}

/** Builds a PKCE authorization URL; returns it with the checks the callback needs. */
export async function startAuthorization(rp: client.Configuration, options: AuthorizeOptions) {
  const pkceCodeVerifier = client.randomPKCECodeVerifier();
  const expectedState = client.randomState();
  const url = client.buildAuthorizationUrl(rp, {
    redirect_uri: options.redirectUri,
    scope: options.scope,
    code_challenge: await client.calculatePKCECodeChallenge(pkceCodeVerifier),
    code_challenge_method: 'S256',
    state: expectedState,
    ...(options.resource ? { resource: options.resource } : {}),
    ...(options.organization ? { organization: options.organization } : {}),
    ...options.extra,
  });
  return { url, checks: { pkceCodeVerifier, expectedState } };
}

export interface PersonAtTheBrowser {
  email: string;
  password: string;
  /** The organization to pick on the consent page (by its visible name); omitted = keep the preselection. */
  organizationName?: string;
  decision?: 'Allow' | 'Deny';
}

/**
 * Acts as the person: signs in when asked, picks the organization, clicks Allow (or Deny), and
 * returns the callback URL the client receives.
 */
export async function authorizeInBrowser(page: Page, url: URL, redirectUri: string, person: PersonAtTheBrowser) {
  const callback = captureCallback(page, redirectUri);
  await page.goto(url.href);
  const outcome = await Promise.race([
    callback.then(() => 'callback' as const),
    page
      .getByLabel('Email')
      .waitFor()
      .then(() => 'login' as const),
    page
      .getByLabel('Organization')
      .waitFor()
      .then(() => 'consent' as const),
  ]);
  if (outcome === 'login') {
    await page.getByLabel('Email').fill(person.email);
    await page.getByLabel('Password').fill(person.password);
    await page.getByRole('button', { name: 'Sign in' }).click();
  }
  if (outcome !== 'callback') {
    const next = await Promise.race([
      callback.then(() => 'callback' as const),
      page
        .getByLabel('Organization')
        .waitFor()
        .then(() => 'consent' as const),
    ]);
    if (next === 'consent') {
      if (person.organizationName) {
        await page.getByLabel('Organization').selectOption({ label: person.organizationName });
      }
      await page.getByRole('button', { name: person.decision ?? 'Allow' }).click();
    }
  }
  return callback;
}
