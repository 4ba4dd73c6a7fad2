import { Validator } from '@seriousme/openapi-schema-validator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { API_ROUTES } from '../../src/api/index.js';
import { platformClient } from '../support/api.js';
import { startOidcServer } from '../support/oauth.js';

let server: Awaited<ReturnType<typeof startOidcServer>>;
let document: {
  paths: Record<string, Record<string, { operationId: string; responses: Record<string, unknown> }>>;
  components: { schemas: Record<string, unknown> };
};

beforeAll(async () => {
  server = await startOidcServer();
  document = await (await fetch(`${server.url}/api/v1/openapi.json`)).json();
});
afterAll(() => server?.close());

describe('the OpenAPI document', () => {
  it('is a valid OpenAPI 3.1 document', async () => {
    const result = await new Validator().validate(document as never);
    expect(result.errors).toBeUndefined();
    expect(result.valid).toBe(true);
  });

  it('describes exactly the routes the API serves, each with its schemas and a problem answer', () => {
    const documented = Object.entries(document.paths).flatMap(([path, operations]) =>
      Object.keys(operations).map((method) => `${method.toUpperCase()} ${path}`),
    );
    const served = API_ROUTES.map((route) => `${route.method.toUpperCase()} ${route.path}`);
    expect(documented.sort()).toEqual(served.sort());
    expect(new Set(API_ROUTES.map((r) => r.operationId)).size).toBe(API_ROUTES.length);
    for (const operations of Object.values(document.paths)) {
      for (const operation of Object.values(operations)) expect(operation.responses.default).toBeDefined();
    }
    expect(Object.keys(document.components.schemas)).toEqual(
      expect.arrayContaining(['Organization', 'Member', 'ApiKey', 'Problem', 'AuditEvent']),
    );
  });

  it('every documented path is routed: a well-formed call never meets "no route"', async () => {
    const platform = await platformClient(server.stores.db, server.url);
    for (const route of API_ROUTES) {
      const path = route.path
        .replace('{orgId}', 'org_AAAAAAAAAAAAAAAAAAAAAA')
        .replace('{userId}', 'usr_AAAAAAAAAAAAAAAAAAAAAA')
        .replace('{teamId}', 'team_AAAAAAAAAAAAAAAAAAAAAA')
        .replace('{keyId}', 'key_0123456789abcdef')
        .replace('{invitationId}', 'inv_AAAAAAAAAAAAAAAAAAAAAA')
        .replace('{kind}', 'client')
        .replace(/\{\w+\}/g, 'x');
      const answer = await platform(route.method.toUpperCase(), path, route.body ? {} : undefined);
      expect(answer.status, `${route.method} ${route.path}`).toBeLessThan(500);
      expect(String(answer.body?.detail ?? ''), `${route.method} ${route.path}`).not.toMatch(/^no route/);
    }
  });

  it('answers an unknown path under /api/v1 with a problem, not a page', async () => {
    const response = await fetch(`${server.url}/api/v1/nothing-here`);
    expect(response.status).toBe(404);
    expect(response.headers.get('content-type')).toContain('application/problem+json');
    expect(await response.json()).toMatchObject({ type: 'https://orgauth.dev/problems/not_found', status: 404 });
  });
});
