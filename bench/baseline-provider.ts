// Child process of bench/token-endpoint.ts: bare oidc-provider with its in-memory adapter, configured
// like Orgauth for the measured scenarios (client credentials for a JWT or an opaque resource,
// introspection, RS256), so that every Orgauth figure can also be read as a ratio to it.
import { exportJWK, generateKeyPair } from 'jose';
import Provider from 'oidc-provider';

const { PORT = '0', ISSUER = '', CLIENT_ID = '', CLIENT_SECRET = '', JWT_API = '', OPAQUE_API = '' } = process.env;
const { privateKey } = await generateKeyPair('RS256', { extractable: true });
const provider = new Provider(ISSUER, {
  clients: [
    {
      client_id: CLIENT_ID,
      client_secret: CLIENT_SECRET,
      grant_types: ['client_credentials'],
      redirect_uris: [],
      response_types: [],
    },
  ],
  jwks: { keys: [{ ...(await exportJWK(privateKey)), alg: 'RS256', use: 'sig', kid: 'bench' }] },
  features: {
    devInteractions: { enabled: false },
    clientCredentials: { enabled: true },
    introspection: { enabled: true },
    resourceIndicators: {
      enabled: true,
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
const server = provider.listen(Number(PORT), '127.0.0.1');
server.once('listening', () => process.send?.('ready'));
