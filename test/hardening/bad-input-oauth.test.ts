import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createResourceServer } from '../../src/resources/service.js';
import { createOrg, createUser } from '../support/factories.js';
import {
  type Answer,
  answer,
  expectClientError,
  expectOAuthError,
  expectPage,
  HOSTILE_STRINGS,
  INVALID_UTF8,
  inBatches,
  OPERATOR,
  snapshot,
} from '../support/fuzz.js';
import { createClient, startOidcServer } from '../support/oauth.js';

const REDIRECT = 'http://127.0.0.1:5990/cb';
const API = 'https://fuzzed.orgauth.test/';

let server: Awaited<ReturnType<typeof startOidcServer>>;
let worker: { client_id: string; client_secret?: string };
let tool: { client_id: string; client_secret?: string };
let basic: string;
let sent = 0;

beforeAll(async () => {
  server = await startOidcServer();
  const owner = await createUser(server.stores.db);
  const org = await createOrg(server.stores.db, owner._id, 'OAuth Fuzz');
  await createResourceServer(server.stores.db, { uri: API, scopes: ['read'], format: 'opaque', orgId: org._id });
  worker = await createClient(server.stores, server.config, {
    orgId: org._id,
    name: 'Worker',
    grantTypes: ['client_credentials'],
    scope: 'read',
  });
  tool = await createClient(server.stores, server.config, { name: 'Tool', redirectUris: [REDIRECT] });
  basic = `Basic ${Buffer.from(`${worker.client_id}:${worker.client_secret}`).toString('base64')}`;
});
afterAll(async () => {
  console.info(`OAuth bad-input requests sent: ${sent}`);
  await server?.close();
});

const post = (path: string, body: BodyInit | undefined, headers: Record<string, string> = {}) =>
  fetch(`${server.url}${path}`, {
    method: 'POST',
    body,
    headers: { authorization: basic, ...headers },
    redirect: 'manual',
  });
const form = { 'content-type': 'application/x-www-form-urlencoded' };
const encode = (fields: Array<[string, string]>) => new URLSearchParams(fields).toString();

/** A valid request for each endpoint, as form fields; the cases below break it one way at a time. */
const VALID: Record<string, Array<[string, string]>> = {
  '/token': [
    ['grant_type', 'client_credentials'],
    ['scope', 'read'],
    ['resource', API],
  ],
  '/token/introspection': [['token', 'a'.repeat(43)]],
  '/token/revocation': [['token', 'a'.repeat(43)]],
  '/api-keys/introspection': [['token', `oa_live_${'a'.repeat(40)}`]],
};

/** Changes to an authorization request that leave it valid. */
const HARMLESS = [
  'state=',
  'without state',
  'without scope',
  // A client with one registered redirect URI may leave it out (OAuth 2.1).
  'without redirect_uri',
  'scope=',
  'invalid UTF-8',
  'invalid percent-encoding',
];

describe('the OAuth endpoints under bad input', () => {
  it('answer broken form posts with an OAuth error and write nothing', { timeout: 60_000 }, async () => {
    const before = await snapshot(server.stores.db);
    const jobs: Array<() => Promise<Answer>> = [];
    for (const [path, fields] of Object.entries(VALID)) {
      const label = (what: string) => `${path} ${what}`;
      const valid = encode(fields);
      const [firstName = '', firstValue = ''] = fields[0] ?? [];
      const rest = fields.length > 1 ? `&${encode(fields.slice(1))}` : '';
      jobs.push(
        () => answer(label('malformed encoding'), post(path, `${firstName}=%E0%A4%A${rest}`, form)),
        () =>
          answer(
            label('invalid UTF-8'),
            post(path, Buffer.concat([Buffer.from(`${firstName}=`), INVALID_UTF8, Buffer.from(rest)]), form),
          ),
        () => answer(label('oversized'), post(path, `${valid}&pad=${'p'.repeat(200_000)}`, form)),
        () =>
          answer(
            label('JSON'),
            post(path, JSON.stringify(Object.fromEntries(fields)), { 'content-type': 'application/json' }),
          ),
        () => answer(label('text/plain'), post(path, valid, { 'content-type': 'text/plain' })),
        () => {
          const multipart = new FormData();
          for (const [k, v] of fields) multipart.set(k, v);
          return answer(label('multipart'), post(path, multipart));
        },
        () => answer(label('no body'), post(path, undefined, form)),
        () =>
          answer(label(`duplicated ${firstName}`), post(path, `${valid}&${encode([[firstName, firstValue]])}`, form)),
        () => answer(label('duplicated client_id'), post(path, `${valid}&client_id=a&client_id=b`, form)),
        () => answer(label('no client'), post(path, valid, { ...form, authorization: '' })),
        () => answer(label('broken Basic'), post(path, valid, { ...form, authorization: 'Basic %%%not-base64' })),
        () =>
          answer(
            label('Basic with an operator'),
            post(path, valid, {
              ...form,
              authorization: `Basic ${Buffer.from(`${JSON.stringify(OPERATOR)}:${JSON.stringify(OPERATOR)}`).toString('base64')}`,
            }),
          ),
      );
      // (At the token endpoint an unknown scope is dropped from the grant, as RFC 6749 allows: not an error.)
      for (const [name] of fields.filter(([k]) => k !== 'scope')) {
        for (const hostile of [...HOSTILE_STRINGS, JSON.stringify(OPERATOR), 'x'.repeat(10_000)]) {
          const broken = fields.map(([k, v]): [string, string] => [k, k === name ? hostile : v]);
          jobs.push(() => answer(label(`${name}=${hostile.slice(0, 20)}`), post(path, encode(broken), form)));
        }
      }
      for (const hostile of [JSON.stringify(OPERATOR), '$where', 'x'.repeat(10_000)]) {
        jobs.push(() =>
          answer(
            label(`client_id=${hostile.slice(0, 20)}`),
            post(path, `${valid}&client_id=${encodeURIComponent(hostile)}`, { ...form, authorization: '' }),
          ),
        );
      }
    }
    const answers = await inBatches(jobs);
    sent += answers.length;
    for (const a of answers) {
      // A token that is not a valid one is simply inactive (RFC 7662), or nothing to revoke (RFC 7009).
      if (a.status === 200 && /introspection /.test(a.label)) {
        expect(JSON.parse(a.text), a.label).toEqual({ active: false });
        continue;
      }
      if (a.status === 200 && a.label.startsWith('/token/revocation ')) {
        expect(a.text, a.label).toBe('');
        continue;
      }
      expectOAuthError(a);
    }
    expect(answers.filter((a) => a.status >= 400).length).toBeGreaterThan(answers.length / 2);
    expect(await snapshot(server.stores.db)).toEqual(before);
  });

  it('refuse an operator in every field of a registration, and register nothing', { timeout: 60_000 }, async () => {
    const before = await snapshot(server.stores.db);
    const valid = {
      redirect_uris: [REDIRECT],
      token_endpoint_auth_method: 'none',
      client_name: 'Fuzz',
      grant_types: ['authorization_code'],
      response_types: ['code'],
      scope: 'openid',
    };
    const jobs: Array<() => Promise<Answer>> = [];
    const register = (body: BodyInit, type = 'application/json') =>
      fetch(`${server.url}/reg`, { method: 'POST', body, headers: { 'content-type': type } });
    for (const field of [...Object.keys(valid), 'client_id', 'org_id', 'first_party', 'jwks_uri', 'logo_uri']) {
      for (const value of [OPERATOR, [OPERATOR], { nested: OPERATOR }, '$where', 'x'.repeat(5000)]) {
        if (typeof value === 'string' && ['client_name', 'scope', 'client_id'].includes(field)) continue;
        jobs.push(() =>
          answer(
            `/reg ${field}=${JSON.stringify(value).slice(0, 30)}`,
            register(JSON.stringify({ ...valid, [field]: value })),
          ),
        );
      }
    }
    jobs.push(
      () => answer('/reg malformed JSON', register('{"redirect_uris": [')),
      () => answer('/reg array', register('[]')),
      () => answer('/reg invalid UTF-8', register(INVALID_UTF8)),
      () => answer('/reg oversized', register(JSON.stringify({ ...valid, client_name: 'n'.repeat(300_000) }))),
      () =>
        answer(
          '/reg form',
          register(new URLSearchParams({ redirect_uris: REDIRECT }).toString(), 'application/x-www-form-urlencoded'),
        ),
      () => answer('/reg text', register(JSON.stringify(valid), 'text/plain')),
    );
    const answers = await inBatches(jobs);
    sent += answers.length;
    for (const a of answers) expectOAuthError(a);
    expect(await snapshot(server.stores.db)).toEqual(before);
  });

  it('answer broken authorization requests with a page or an error sent back to the client', {
    timeout: 60_000,
  }, async () => {
    const before = await snapshot(server.stores.db);
    const valid: Array<[string, string]> = [
      ['client_id', tool.client_id],
      ['response_type', 'code'],
      ['scope', 'openid'],
      ['redirect_uri', REDIRECT],
      ['code_challenge', 'c'.repeat(43)],
      ['code_challenge_method', 'S256'],
      ['state', 's'],
    ];
    const jobs: Array<() => Promise<Answer & { location: string | null }>> = [];
    const authorize = (label: string, query: string) => async () => {
      const response = await fetch(`${server.url}/auth?${query}`, {
        redirect: 'manual',
        headers: { accept: 'text/html' },
      });
      return { ...(await answer(label, Promise.resolve(response))), location: response.headers.get('location') };
    };
    for (const [name] of valid) {
      jobs.push(authorize(`duplicated ${name}`, `${encode(valid)}&${encode(valid.filter(([k]) => k === name))}`));
      for (const hostile of [...HOSTILE_STRINGS, JSON.stringify(OPERATOR), 'x'.repeat(5000)]) {
        const broken = valid.map(([k, v]): [string, string] => [k, k === name ? hostile : v]);
        jobs.push(authorize(`${name}=${hostile.slice(0, 20)}`, encode(broken)));
      }
      jobs.push(authorize(`without ${name}`, encode(valid.filter(([k]) => k !== name))));
    }
    jobs.push(
      authorize('invalid percent-encoding', `${encode(valid)}&scope=%E0%A4%A`),
      authorize('invalid UTF-8', `${encode(valid)}&state=%FF%FE`),
      authorize('100 KB query', `${encode(valid)}&pad=${'p'.repeat(100_000)}`),
      authorize(
        'plain method',
        `${encode(valid.filter(([k]) => k !== 'code_challenge_method'))}&code_challenge_method=plain`,
      ),
    );
    const answers = await inBatches(jobs);
    sent += answers.length;
    for (const a of answers) {
      if (a.status === 303 || a.status === 302) {
        const location = new URL(a.location ?? '', server.url);
        // Either the error goes back to the registered redirect URI, or the request was valid enough to reach sign-in.
        if (location.pathname.startsWith('/interaction/')) {
          // Still a valid request: the state is the client's opaque value, unknown scopes are dropped.
          expect(
            HARMLESS.some((prefix) => a.label.startsWith(prefix)),
            `${a.label} reached sign-in`,
          ).toBe(true);
          continue;
        }
        expect(`${location.origin}${location.pathname}`, a.label).toBe(REDIRECT);
        expect(location.searchParams.get('error'), a.label).toBeTruthy();
        continue;
      }
      expectPage(a);
    }
    expect(await snapshot(server.stores.db)).toEqual(before);
  });

  it('answer every other endpoint with a clear 4xx', { timeout: 60_000 }, async () => {
    const before = await snapshot(server.stores.db);
    const json = { accept: 'application/json' };
    const html = { accept: 'text/html' };
    const requests: Array<[string, () => Promise<Response>, 'json' | 'page' | 'any']> = [];
    for (const hostile of [...HOSTILE_STRINGS, 'x'.repeat(3000)]) {
      const id = encodeURIComponent(hostile);
      requests.push(
        [
          `GET /interaction/${hostile.slice(0, 12)}`,
          () => fetch(`${server.url}/interaction/${id}`, { headers: html }),
          'page',
        ],
        [
          `POST /interaction/${hostile.slice(0, 12)}/login`,
          () =>
            fetch(`${server.url}/interaction/${id}/login`, {
              method: 'POST',
              headers: { ...html, ...form },
              body: 'email=a&password=b&csrf=c',
            }),
          'page',
        ],
        [
          `GET /reg/${hostile.slice(0, 12)}`,
          () => fetch(`${server.url}/reg/${id}`, { headers: { ...json, authorization: `Bearer ${id}` } }),
          'json',
        ],
        [
          `GET /me ${hostile.slice(0, 12)}`,
          () =>
            fetch(`${server.url}/me`, {
              headers: { ...json, authorization: `Bearer ${hostile.replace(/[^\x20-\x7e]/g, '')}` },
            }),
          'json',
        ],
        [
          `GET /session/end?id_token_hint=${hostile.slice(0, 12)}`,
          () => fetch(`${server.url}/session/end?id_token_hint=${id}`, { headers: html }),
          'page',
        ],
      );
    }
    requests.push(
      [
        'POST /interaction/x/login JSON',
        () =>
          fetch(`${server.url}/interaction/x/login`, {
            method: 'POST',
            headers: { ...html, 'content-type': 'application/json' },
            body: '{"email":{"$gt":""}}',
          }),
        'page',
      ],
      [
        'POST /interaction/x/login oversized',
        () =>
          fetch(`${server.url}/interaction/x/login`, {
            method: 'POST',
            headers: { ...html, ...form },
            body: `email=${'e'.repeat(100_000)}`,
          }),
        'page',
      ],
      [
        'GET /me duplicated tokens',
        () =>
          fetch(`${server.url}/me?access_token=a&access_token=b`, { headers: { ...json, authorization: 'Bearer c' } }),
        'json',
      ],
      ['GET /jwks?x', () => fetch(`${server.url}/jwks?${'q'.repeat(100_000)}`), 'any'],
    );
    const answers = await inBatches(
      requests.map(([label, request, kind]) => async () => ({ a: await answer(label, request()), kind })),
    );
    sent += answers.length;
    for (const { a, kind } of answers) {
      if (kind === 'json') expectOAuthError(a);
      else if (kind === 'page') expectPage(a);
      else expectClientError(a);
    }
    expect(await snapshot(server.stores.db)).toEqual(before);
  });
});
