import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startOidcServer } from '../support/oauth.js';

let server: Awaited<ReturnType<typeof startOidcServer>>;
beforeAll(async () => {
  server = await startOidcServer();
});
afterAll(() => server?.close());

describe('published documents', () => {
  it('serves the service documentation that discovery names', async () => {
    const discovery = (await (await fetch(`${server.issuer}/.well-known/openid-configuration`)).json()) as {
      service_documentation: string;
    };
    const answer = await fetch(discovery.service_documentation);
    expect(answer.status).toBe(200);
    expect(answer.headers.get('content-type')).toBe('text/plain; charset=utf-8');
    expect(await answer.text()).toContain('# The organization-binding profile');
  });

  it('serves only the published documents', async () => {
    for (const path of ['/docs/nothing', '/docs/..%2Fpackage.json', '/docs/embedded-store']) {
      expect((await fetch(`${server.issuer}${path}`)).status, path).toBe(404);
    }
    expect((await fetch(`${server.issuer}/docs/admin-api`)).status).toBe(200);
  });
});
