import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { API_ROUTES } from '../../src/api/index.js';
import type { ApiRoute } from '../../src/api/route.js';
import { createPlatformKey } from '../../src/apikeys/platform-keys.js';
import { addCredits } from '../../src/credits/service.js';
import { newId } from '../../src/ids.js';
import { orgWithRoles } from '../support/api.js';
import {
  type Answer,
  answer,
  expectProblem,
  HOSTILE_STRINGS,
  INVALID_UTF8,
  inBatches,
  misencoded,
  OPERATOR,
  redisKeys,
  snapshot,
} from '../support/fuzz.js';
import { startTestServer } from '../support/harness.js';

interface JsonSchema {
  type?: string;
  properties?: Record<string, JsonSchema>;
  items?: JsonSchema;
}

let server: Awaited<ReturnType<typeof startTestServer>>;
let acme: Awaited<ReturnType<typeof orgWithRoles>>;
let platformKey: string;
let bodies: Map<string, JsonSchema>;
/** Each route's declared parameters, from the OpenAPI document. */
let parameters: Map<string, Array<{ in: string; name: string; schema?: { pattern?: string } }>>;

beforeAll(async () => {
  server = await startTestServer();
  acme = await orgWithRoles(server.stores.db, server.url, 'Fuzzed Co');
  await addCredits(
    server.stores.db,
    acme.org._id,
    { amount: 100, description: 'opening' },
    { actor: { type: 'system', id: 'test' } },
  );
  platformKey = (await createPlatformKey(server.stores.db, 'fuzz')).key;
  const document = (await (await fetch(`${server.url}/api/v1/openapi.json`)).json()) as {
    paths: Record<
      string,
      Record<
        string,
        {
          requestBody?: { content: Record<string, { schema: JsonSchema }> };
          parameters?: Array<{ in: string; name: string; schema?: { pattern?: string } }>;
        }
      >
    >;
  };
  bodies = new Map();
  parameters = new Map();
  for (const [path, operations] of Object.entries(document.paths)) {
    for (const [method, operation] of Object.entries(operations)) {
      const schema = operation.requestBody?.content['application/json']?.schema;
      if (schema) bodies.set(`${method} ${path}`, schema);
      parameters.set(`${method} ${path}`, operation.parameters ?? []);
    }
  }
});
let sent = 0;
afterAll(async () => {
  console.info(`admin API bad-input requests sent: ${sent}`);
  await server?.close();
});

/** The route's URL with real ids where the caller's organization goes, and `fill` for the other parameters. */
function urlOf(route: ApiRoute, fill = 'nope_0000000000', orgId = acme.org._id) {
  return `${server.url}/api/v1${route.path.replace('{orgId}', orgId).replace(/\{(\w+)\}/g, fill)}`;
}

/** Path parameters that pass validation but name nothing, so a request reaches its body's validation. */
function wellFormedUrl(route: ApiRoute) {
  let path = route.path.replace('{orgId}', acme.org._id);
  for (const parameter of parameters.get(`${route.method} ${route.path}`) ?? []) {
    if (parameter.in !== 'path' || parameter.name === 'orgId') continue;
    const prefix = /^\^([a-z]+)_/.exec(parameter.schema?.pattern ?? '')?.[1];
    const value =
      parameter.name === 'kind'
        ? 'client'
        : parameter.name === 'keyId'
          ? `key_${'A'.repeat(16)}`
          : prefix
            ? newId(prefix)
            : 'nope';
    path = path.replace(`{${parameter.name}}`, value);
  }
  const required = (parameters.get(`${route.method} ${route.path}`) ?? []).some(
    (p) => p.in === 'query' && p.name === 'uri',
  );
  return `${server.url}/api/v1${path}${required ? '?uri=https%3A%2F%2Fnope.orgauth.test%2F' : ''}`;
}

/** The credential a route is reached with: an owner of the organization, or an operator. */
const credentialFor = (route: ApiRoute) => (route.access.kind === 'platform' ? platformKey : acme.keys.owner);

function send(
  route: ApiRoute,
  init: { url?: string; body?: BodyInit; type?: string; headers?: Record<string, string> },
) {
  return fetch(init.url ?? urlOf(route), {
    method: route.method.toUpperCase(),
    headers: {
      authorization: `Bearer ${credentialFor(route)}`,
      'idempotency-key': 'fuzz-key',
      ...(init.type ? { 'content-type': init.type } : {}),
      ...init.headers,
    },
    body: init.body,
  });
}

/**
 * Every field of a JSON body replaced by an operator object, by an array of one (a list where a
 * value belongs, or an object inside a list) and by an object that nests one.
 */
function injections(schema: JsonSchema): Array<{ field: string; body: Record<string, unknown> }> {
  return Object.keys(schema.properties ?? {}).flatMap((field) => [
    { field, body: { [field]: OPERATOR } },
    { field, body: { [field]: [OPERATOR] } },
    { field, body: { [field]: { nested: OPERATOR } } },
  ]);
}

/** What the stores hold, minus counters: what a refused request must leave as it was. */
const stored = async () => ({ db: await snapshot(server.stores.db), redis: await redisKeys(server.stores.redis) });

const withBody = API_ROUTES.filter((route) => route.body);
const withQuery = API_ROUTES.filter((route) => route.query);
const withParams = API_ROUTES.filter((route) => /\{\w+\}/.test(route.path));

describe('the admin API under bad input', () => {
  it('covers every route', () => {
    expect(withBody.length).toBeGreaterThan(15);
    expect(withQuery.length).toBeGreaterThan(5);
    for (const route of withBody) expect(bodies.has(`${route.method} ${route.path}`), route.operationId).toBe(true);
  });

  it('answers malformed, oversized, mistyped, misencoded and non-UTF-8 bodies with a problem, and writes nothing', {
    timeout: 60_000,
  }, async () => {
    const before = await stored();
    const jobs = withBody.flatMap((route) => {
      const label = (what: string) => `${route.operationId} ${what}`;
      return [
        () => answer(label('malformed JSON'), send(route, { type: 'application/json', body: '{"name": "x",' })),
        () => answer(label('JSON array'), send(route, { type: 'application/json', body: '[{"name":"x"}]' })),
        () => answer(label('JSON null'), send(route, { type: 'application/json', body: 'null' })),
        () => answer(label('JSON string'), send(route, { type: 'application/json', body: '"name"' })),
        () =>
          answer(
            label('oversized'),
            send(route, { type: 'application/json', body: JSON.stringify({ name: 'x'.repeat(200_000) }) }),
          ),
        () => answer(label('invalid UTF-8'), send(route, { type: 'application/json', body: INVALID_UTF8 })),
        () => answer(label('text/plain'), send(route, { type: 'text/plain', body: '{"name":"x"}' })),
        () =>
          answer(label('form'), send(route, { type: 'application/x-www-form-urlencoded', body: 'name=x&amount=1' })),
        () => {
          const form = new FormData();
          form.set('name', 'x');
          return answer(label('multipart'), send(route, { body: form }));
        },
        () => answer(label('no content type'), send(route, { body: '{"name":"x"}' })),
        () => answer(label('no body'), send(route, { type: 'application/json' })),
        () =>
          answer(
            label('unknown field'),
            send(route, { type: 'application/json', body: '{"$where":"sleep(1000)","__proto__":{"admin":true}}' }),
          ),
        ...misencoded('{"name":"x","amount":1}').map(
          ({ what, encoding, body }) =>
            () =>
              answer(
                label(what),
                send(route, { type: 'application/json', headers: { 'content-encoding': encoding }, body }),
              ),
        ),
      ];
    });
    const answers = await inBatches(jobs);
    sent += answers.length;
    for (const a of answers) expectProblem(a);
    expect(answers.length).toBe(withBody.length * 17);
    // Each way of lying about the encoding gets its own status: unreadable, unsupported, too large.
    for (const { what, status = 400 } of misencoded('')) {
      for (const a of answers.filter((x) => x.label.endsWith(` ${what}`))) expect(a.status, a.label).toBe(status);
    }
    expect(await stored()).toEqual(before);
  });

  it('refuses a query operator in every field of every body, naming the field, and writes nothing', {
    timeout: 60_000,
  }, async () => {
    const before = await stored();
    const jobs = withBody.flatMap((route) =>
      injections(bodies.get(`${route.method} ${route.path}`) ?? {}).map(({ field, body }) => async () => {
        const a = await answer(
          `${route.operationId} ${field}=${JSON.stringify(body[field])}`,
          send(route, { url: wellFormedUrl(route), type: 'application/json', body: JSON.stringify(body) }),
        );
        return { a, field };
      }),
    );
    const results = await inBatches(jobs);
    sent += results.length;
    expect(results.length).toBeGreaterThan(90);
    for (const { a, field } of results) {
      expectProblem(a);
      const problem = JSON.parse(a.text) as { errors?: Record<string, string> };
      // Refused for the injected field itself (not only for some other missing field) — or before
      // validation, by the route's own rules (a 403/404 for who may do what where).
      if (a.status === 400) {
        expect(
          Object.keys(problem.errors ?? {}).some((key) => key === field || key.startsWith(`${field}.`)),
          `${a.label}: ${a.text}`,
        ).toBe(true);
      }
    }
    expect(await stored()).toEqual(before);
    const balance = await fetch(`${server.url}/api/v1/orgs/${acme.org._id}/credits`, {
      headers: { authorization: `Bearer ${acme.keys.owner}` },
    });
    expect(await balance.json()).toMatchObject({ balance: 100 });
  });

  it('answers huge, duplicated and hostile query strings and path parameters with a problem, and writes nothing', {
    timeout: 60_000,
  }, async () => {
    const before = await stored();
    const jobs: Array<() => Promise<{ a: Answer; names?: string }>> = [];
    for (const route of API_ROUTES) {
      // Refused by the HTTP server before any route runs (Node's 16 KB header limit).
      jobs.push(async () => ({
        a: await answer(
          `${route.operationId} 100 KB query`,
          send(route, { url: `${urlOf(route)}?q=${'a'.repeat(100_000)}` }),
        ),
      }));
      jobs.push(async () => ({
        a: await answer(
          `${route.operationId} 20 KB header`,
          send(route, { headers: { 'x-padding': 'p'.repeat(20_000) } }),
        ),
      }));
    }
    for (const route of withQuery) {
      const names = (parameters.get(`${route.method} ${route.path}`) ?? [])
        .filter((p) => p.in === 'query')
        .map((p) => p.name);
      const body = route.body ? { type: 'application/json', body: '{"name": ' } : {};
      for (const name of names) {
        // A parameter given twice arrives as a list where one value belongs.
        jobs.push(async () => ({
          a: await answer(
            `${route.operationId} ?${name}=a&${name}=b`,
            send(route, { ...body, url: `${wellFormedUrl(route).split('?')[0]}?${name}=a&${name}=b` }),
          ),
          names: name,
        }));
      }
      for (const query of [
        'limit=-1',
        'limit=1e309',
        'limit=abc',
        'cursor={"$gt":""}',
        `cursor=${'c'.repeat(5000)}`,
        'from=not-a-date',
        'kind=$where',
      ]) {
        const name = query.split('=')[0] ?? '';
        if (!names.includes(name)) continue;
        jobs.push(async () => ({
          a: await answer(
            `${route.operationId} ?${query.slice(0, 40)}`,
            send(route, { ...body, url: `${wellFormedUrl(route).split('?')[0]}?${query}` }),
          ),
          names: name,
        }));
      }
    }
    for (const route of withParams) {
      const body = route.body ? { type: 'application/json', body: '{}' } : {};
      for (const hostile of [...HOSTILE_STRINGS, 'x'.repeat(3000)]) {
        const fill = encodeURIComponent(hostile);
        jobs.push(async () => ({
          a: await answer(
            `${route.operationId} /${hostile.slice(0, 20)}`,
            send(route, { ...body, url: urlOf(route, fill, fill) }),
          ),
        }));
        if (route.path.includes('{orgId}') && /\{(?!orgId)\w+\}/.test(route.path)) {
          jobs.push(async () => ({
            a: await answer(
              `${route.operationId} org/${hostile.slice(0, 20)}`,
              send(route, { ...body, url: urlOf(route, fill) }),
            ),
          }));
        }
      }
    }
    const results = await inBatches(jobs);
    sent += results.length;
    expect(results.length).toBeGreaterThan(API_ROUTES.length * 4);
    for (const { a, names } of results) {
      expectProblem(a);
      if (names && a.status === 400 && !a.label.includes('{"$gt"') && !a.text.includes('malformed_body')) {
        const problem = JSON.parse(a.text) as { errors?: Record<string, string> };
        expect(Object.keys(problem.errors ?? {}), `${a.label}: ${a.text}`).toContain(names);
      }
    }
    expect(await stored()).toEqual(before);
  });

  it('treats an operator object where the schema expects text as invalid, not as a query', async () => {
    // The organization's name as a query would match every organization; here it is refused.
    const answerFor = await answer(
      'rename with operator',
      fetch(`${server.url}/api/v1/orgs/${acme.org._id}`, {
        method: 'PATCH',
        headers: { authorization: `Bearer ${acme.keys.owner}`, 'content-type': 'application/json' },
        body: JSON.stringify({ name: { $ne: null } }),
      }),
    );
    expectProblem(answerFor);
    expect(JSON.parse(answerFor.text)).toMatchObject({ status: 400, errors: { name: expect.any(String) } });
    const org = await fetch(`${server.url}/api/v1/orgs/${acme.org._id}`, {
      headers: { authorization: `Bearer ${acme.keys.owner}` },
    });
    expect(await org.json()).toMatchObject({ name: 'Fuzzed Co' });
  });
});
