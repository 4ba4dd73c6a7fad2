// Child process of bench/token-endpoint.ts: bare oidc-provider with its in-memory adapter, configured
// like Orgauth for the measured scenarios (client credentials for a JWT or an opaque resource,
// introspection, authorization codes with PKCE, rotating refresh tokens, the sign-in page, RS256), so
// that every Orgauth figure can also be read as a ratio to it. Asked over IPC, it mints codes and
// refresh tokens the way a finished sign-in would.
//
// Its in-memory adapter is oidc-provider's own, over a larger store: the default one keeps 1,000
// entries, so the grant and the minted tokens of a run were evicted before they were spent and every
// refresh or code exchange of the baseline answered 400 (the bench now refuses such a baseline). Minted
// tokens are spread over grants of 100, as sign-ins would leave them: the adapter rescans a grant's
// members on each write, which one grant holding a whole run's tokens would turn into the cost measured.
import { exportJWK, generateKeyPair } from 'jose';
import Provider from 'oidc-provider';
// @ts-expect-error oidc-provider ships no types for its internal modules
import MemoryAdapter from 'oidc-provider/lib/adapters/memory_adapter.js';
// @ts-expect-error oidc-provider ships no types for its internal modules
import LRU from 'oidc-provider/lib/helpers/lru.js';
import { mintCodes, mintRefreshTokens, plainGrant } from './mint.js';

const {
  PORT = '0',
  ISSUER = '',
  CLIENT_ID = '',
  CLIENT_SECRET = '',
  APP_ID = '',
  APP_SECRET = '',
  REDIRECT_URI = '',
  JWT_API = '',
  OPAQUE_API = '',
} = process.env;
const { privateKey } = await generateKeyPair('RS256', { extractable: true });
const store = new LRU({ maxSize: 10_000_000 });
const provider = new Provider(ISSUER, {
  adapter: (model: string) => new MemoryAdapter(model, store),
  clients: [
    {
      client_id: CLIENT_ID,
      client_secret: CLIENT_SECRET,
      grant_types: ['client_credentials'],
      redirect_uris: [],
      response_types: [],
    },
    {
      client_id: APP_ID,
      client_secret: APP_SECRET,
      grant_types: ['authorization_code', 'refresh_token'],
      redirect_uris: [REDIRECT_URI],
      response_types: ['code'],
    },
  ],
  jwks: { keys: [{ ...(await exportJWK(privateKey)), alg: 'RS256', use: 'sig', kid: 'bench' }] },
  findAccount: (_ctx, sub) => ({ accountId: sub, claims: () => ({ sub }) }),
  pkce: { required: () => true },
  rotateRefreshToken: true,
  issueRefreshToken: () => true,
  features: {
    devInteractions: { enabled: true },
    clientCredentials: { enabled: true },
    introspection: { enabled: true },
    resourceIndicators: {
      enabled: true,
      defaultResource: () => JWT_API,
      useGrantedResource: () => true,
      getResourceServerInfo: (_ctx, indicator) => ({
        scope: 'read',
        audience: indicator,
        accessTokenTTL: 3600,
        accessTokenFormat: indicator === OPAQUE_API ? 'opaque' : 'jwt',
        ...(indicator === JWT_API ? { jwt: { sign: { alg: 'RS256' } } } : {}),
      }),
    },
  },
});
const PER_GRANT = 100;
process.on('message', async (message: { mint: 'codes' | 'refresh'; count: number }) => {
  const minted: string[] = [];
  for (let left = message.count; left > 0; left -= PER_GRANT) {
    const grantId = await plainGrant(provider, 'bench-person', APP_ID, JWT_API);
    const input = {
      accountId: 'bench-person',
      clientId: APP_ID,
      grantId,
      redirectUri: REDIRECT_URI,
      resource: JWT_API,
    };
    const count = Math.min(PER_GRANT, left);
    minted.push(
      ...(message.mint === 'codes'
        ? await mintCodes(provider, { ...input, count })
        : await mintRefreshTokens(provider, { ...input, count })),
    );
  }
  process.send?.({ minted });
});
const server = provider.listen(Number(PORT), '127.0.0.1');
server.once('listening', () => process.send?.('ready'));
// A clean exit on SIGTERM, so that a CPU profile (BENCH_PROFILE=1) is written.
process.once('SIGTERM', () => {
  server.close(() => process.exit(0));
  server.closeAllConnections();
});
