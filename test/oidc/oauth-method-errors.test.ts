import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startOidcServer } from '../support/oauth.js';

let server: Awaited<ReturnType<typeof startOidcServer>>;
beforeAll(async () => {
  server = await startOidcServer();
});
afterAll(() => server?.close());

const send = (method: string, path: string) => fetch(`${server.issuer}${path}`, { method });

describe('OAuth endpoints asked the wrong way', () => {
  it('answer another method with 405, Allow and a JSON OAuth error', async () => {
    for (const [method, path, allow] of [
      ['GET', '/token', 'POST'],
      ['PUT', '/token/introspection', 'POST'],
      ['GET', '/token/revocation', 'POST'],
      ['DELETE', '/jwks', 'GET'],
      ['POST', '/.well-known/openid-configuration', 'GET'],
      ['PATCH', '/me', 'GET, POST'],
      ['GET', '/reg', 'POST'],
    ] as const) {
      const answer = await send(method, path);
      expect(answer.status, `${method} ${path}`).toBe(405);
      expect(answer.headers.get('allow'), `${method} ${path}`).toBe(allow);
      expect(answer.headers.get('content-type')).toMatch(/^application\/json/);
      expect(await answer.json()).toMatchObject({ error: 'invalid_request', error_description: expect.any(String) });
    }
  });

  it('answer an unknown path under them with a JSON 404', async () => {
    for (const path of ['/token/nothing', '/reg/x/y', '/.well-known/nothing-here', '/session/end/elsewhere']) {
      const answer = await send('GET', path);
      expect(answer.status, path).toBe(404);
      expect(await answer.json(), path).toMatchObject({ error: 'invalid_request' });
    }
  });

  it('leave the endpoints themselves as they were', async () => {
    expect((await send('GET', '/jwks')).status).toBe(200);
    expect((await send('GET', '/.well-known/openid-configuration')).status).toBe(200);
    const token = await send('POST', '/token');
    expect(token.status).toBe(400);
    expect(await token.json()).toMatchObject({ error: 'invalid_request' });
  });
});
