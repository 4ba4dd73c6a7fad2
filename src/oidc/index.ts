import type { JSONWebKeySet } from 'jose';
import type Provider from 'oidc-provider';
import type { Logger } from 'pino';
import type { Config } from '../config.js';
import { type RevocationPublisher, revocationPublisher } from '../revocation/publisher.js';
import type { Stores } from '../stores/index.js';
import { loadCookieKeys, loadSigningKeys } from './keys.js';
import { buildProvider } from './provider.js';

export interface Oidc {
  provider: Provider;
  cookieKeys: string[];
  publisher: RevocationPublisher;
  /** The public halves of the signing keys (what /jwks publishes). */
  publicJwks: JSONWebKeySet;
}

/** Loads the persisted keys and builds the provider; a restart keeps sessions and tokens valid. */
export async function createOidc(config: Config, stores: Stores, logger: Logger): Promise<Oidc> {
  const [signingKeys, cookieKeys] = await Promise.all([
    loadSigningKeys(stores.db, config.secretKey),
    loadCookieKeys(stores.db, config.secretKey),
  ]);
  const publisher = revocationPublisher(stores.redis, config.redisKeyPrefix, logger);
  const provider = buildProvider({ config, stores, logger, publisher, signingKeys, cookieKeys });
  const publicJwks = {
    keys: signingKeys.keys.map(({ kty, kid, alg, use, n, e, crv, x, y }) =>
      Object.fromEntries(Object.entries({ kty, kid, alg, use, n, e, crv, x, y }).filter(([, v]) => v !== undefined)),
    ) as JSONWebKeySet['keys'],
  };
  return { provider, cookieKeys, publisher, publicJwks };
}
