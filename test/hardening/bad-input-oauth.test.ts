import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createResourceServer } from '../../src/resources/service.js';
import { createOrg, createUser, TEST_PASSWORD, uniqueEmail } from '../support/factories.js';
import {
  type Answer,
  answer,
  bytes,
  expectClientError,
  expectOAuthError,
  expectPage,
  HOSTILE_STRINGS,
  INVALID_UTF8,
  inBatches,
  misencoded,
  OPERATOR,
  redisKeys,
  snapshot,
} from '../support/fuzz.js';
import { createClient, startOidcServer } from '../support/oauth.js';

const REDIRECT = 'http://127.0.0.1:5990/cb';
const API = 'https://fuzzed.orgauth.test/';

let server: Awaited<ReturnType<typeof startOidcServer>>;
let worker: { client_id: string; client_secret?: string };
let tool: { client_id: string; client_secret?: string };
let basic: string;
let toolBasic: string;
let owner: Awaited<ReturnType<typeof createUser>>;
let ownersOrg: Awaited<ReturnType<typeof createOrg>>;
let sent = 0;

beforeAll(async () => {
  // Every registration attempt below must reach validation, not the per-address limit.
  server = await startOidcServer({ REGISTRATION_RATE_LIMIT: '1000000' });
  owner = await createUser(server.stores.db);
  ownersOrg = await createOrg(server.stores.db, owner._id, 'OAuth Fuzz');
  await createResourceServer(server.stores.db, { uri: API, scopes: ['read'], format: 'opaque', orgId: ownersOrg._id });
  worker = await createClient(server.stores, server.config, {
    orgId: ownersOrg._id,
    name: 'Worker',
    grantTypes: ['client_credentials'],
    scope: 'read',
  });
  tool = await createClient(server.stores, server.config, { name: 'Tool', redirectUris: [REDIRECT] });
  basic = `Basic ${Buffer.from(`${worker.client_id}:${worker.client_secret}`).toString('base64')}`;
  toolBasic = `Basic ${Buffer.from(`${tool.client_id}:${tool.client_secret}`).toString('base64')}`;
});
afterAll(async () => {
  console.info(`OAuth bad-input requests sent: ${sent}`);
  await server?.close();
});

/** A form post as the given client (Basic credentials), which a case's own headers may replace. */
const postAs = (
  authorization: string,
  path: string,
  body: BodyInit | undefined,
  headers: Record<string, string> = {},
) =>
  fetch(`${server.url}${path}`, { method: 'POST', body, headers: { authorization, ...headers }, redirect: 'manual' });
const form = { 'content-type': 'application/x-www-form-urlencoded' };
const encode = (fields: Array<[string, string]>) => new URLSearchParams(fields).toString();

/** A registration that succeeds as it is. */
const REGISTRATION = {
  redirect_uris: [REDIRECT],
  token_endpoint_auth_method: 'none',
  client_name: 'Fuzz',
  grant_types: ['authorization_code'],
  response_types: ['code'],
  scope: 'openid',
};
const register = (body: BodyInit, type = 'application/json') =>
  fetch(`${server.url}/reg`, { method: 'POST', body, headers: { 'content-type': type } });

/** What the stores hold, minus counters: what a refused request must leave as it was. */
const stored = async () => ({ db: await snapshot(server.stores.db), redis: await redisKeys(server.stores.redis) });

/**
 * A well-formed request for each endpoint (a code or refresh token that names nothing, so that the
 * lookup itself is what the hostile values reach), as form fields; the cases below break it one way
 * at a time. Labels are the path, then what the request is.
 */
const VALID: Record<string, { fields: Array<[string, string]>; tool?: boolean }> = {
  '/token': {
    fields: [
      ['grant_type', 'client_credentials'],
      ['scope', 'read'],
      ['resource', API],
    ],
  },
  '/token authorization_code': {
    tool: true,
    fields: [
      ['grant_type', 'authorization_code'],
      ['code', 'c'.repeat(43)],
      ['redirect_uri', REDIRECT],
      ['code_verifier', 'v'.repeat(43)],
    ],
  },
  '/token refresh_token': {
    tool: true,
    fields: [
      ['grant_type', 'refresh_token'],
      ['refresh_token', 'r'.repeat(43)],
    ],
  },
  '/token/introspection': { fields: [['token', 'a'.repeat(43)]] },
  '/token/revocation': { fields: [['token', 'a'.repeat(43)]] },
  '/api-keys/introspection': { fields: [['token', `oa_live_${'a'.repeat(40)}`]] },
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
    const before = await stored();
    const jobs: Array<() => Promise<Answer>> = [];
    for (const [name, endpoint] of Object.entries(VALID)) {
      const { fields } = endpoint;
      const path = name.split(' ')[0] ?? name;
      const label = (what: string) => `${name} ${what}`;
      const post = (to: string, body: BodyInit | undefined, headers: Record<string, string> = {}) =>
        postAs(endpoint.tool ? toolBasic : basic, to, body, headers);
      const valid = encode(fields);
      const [firstName = '', firstValue = ''] = fields[0] ?? [];
      const rest = fields.length > 1 ? `&${encode(fields.slice(1))}` : '';
      jobs.push(
        () => answer(label('malformed encoding'), post(path, `${firstName}=%E0%A4%A${rest}`, form)),
        () => answer(label('invalid UTF-8'), post(path, bytes(`${firstName}=`, INVALID_UTF8, rest), form)),
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
        ...misencoded(valid).map(
          ({ what, encoding, body }) =>
            () =>
              answer(label(what), post(path, body, { ...form, 'content-encoding': encoding })),
        ),
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
    // No hostile code or refresh token ever buys a token.
    expect(answers.filter((a) => a.label.startsWith('/token ') && a.status < 400)).toEqual([]);
    expect(await stored()).toEqual(before);
  });

  it('refuse an operator in every field of a registration, and register nothing', { timeout: 60_000 }, async () => {
    const before = await stored();
    const valid = REGISTRATION;
    const jobs: Array<() => Promise<Answer>> = [];
    for (const field of [...Object.keys(valid), 'org_id', 'first_party', 'jwks_uri', 'logo_uri']) {
      for (const value of [OPERATOR, [OPERATOR], { nested: OPERATOR }, '$where', 'x'.repeat(5000)]) {
        if (typeof value === 'string' && ['client_name', 'scope'].includes(field)) continue;
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
      ...misencoded(JSON.stringify(valid)).map(
        ({ what, encoding, body }) =>
          () =>
            answer(
              `/reg ${what}`,
              fetch(`${server.url}/reg`, {
                method: 'POST',
                body,
                headers: { 'content-type': 'application/json', 'content-encoding': encoding },
              }),
            ),
      ),
    );
    const answers = await inBatches(jobs);
    sent += answers.length;
    for (const a of answers) {
      expectOAuthError(a);
      // Refused for what it sent, not for how often.
      expect(a.status, a.label).not.toBe(429);
    }
    expect(await stored()).toEqual(before);
  });

  it('ignore an operator sent as client_id: the server names the client', async () => {
    // RFC 7591 leaves the client_id to the server, so oidc-provider drops whatever was sent.
    for (const value of [OPERATOR, [OPERATOR]]) {
      const response = await register(JSON.stringify({ ...REGISTRATION, client_id: value }));
      sent += 1;
      expect(response.status).toBe(201);
      const { client_id: clientId } = (await response.json()) as { client_id: unknown };
      expect(clientId).toMatch(/^cli_[\w-]+$/);
    }
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
    const before = await stored();
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
    expect(await stored()).toEqual(before);
  });
  it('serve the discovery documents unchanged whatever the query, and refuse other methods', {
    timeout: 60_000,
  }, async () => {
    const before = await stored();
    const documents = [
      '/.well-known/openid-configuration',
      '/.well-known/oauth-authorization-server',
      '/.well-known/oauth-protected-resource',
      '/.well-known/oauth-protected-resource/api',
      '/jwks',
    ];
    const clean = new Map<string, string>();
    for (const path of documents) clean.set(path, await (await fetch(`${server.url}${path}`)).text());
    const jobs: Array<() => Promise<{ a: Answer; same?: string }>> = [];
    const get = (label: string, url: string, same?: string) => async () => ({
      a: await answer(label, fetch(`${server.url}${url}`)),
      same,
    });
    for (const path of documents) {
      for (const query of [
        'a=1&a=2',
        `q=${encodeURIComponent(JSON.stringify(OPERATOR))}`,
        'issuer[$ne]=x',
        '%E0%A4%A=%FF%FE',
        `q=${'q'.repeat(10_000)}`,
      ]) {
        jobs.push(get(`${path}?${query.slice(0, 20)}`, `${path}?${query}`, path));
      }
      jobs.push(get(`${path}?100 KB`, `${path}?q=${'q'.repeat(100_000)}`));
      for (const method of ['POST', 'PUT', 'PATCH', 'DELETE']) {
        jobs.push(async () => ({
          a: await answer(
            `${method} ${path}`,
            fetch(`${server.url}${path}`, {
              method,
              headers: { 'content-type': 'application/json' },
              body: JSON.stringify({ issuer: OPERATOR }),
            }),
          ),
        }));
      }
    }
    for (const hostile of HOSTILE_STRINGS) {
      const suffix = encodeURIComponent(hostile);
      jobs.push(get(`/.well-known/${hostile.slice(0, 12)}`, `/.well-known/${suffix}`));
      // Path-suffixed forms of the metadata are aliases: the same document, never a lookup.
      jobs.push(
        get(
          `/.well-known/oauth-authorization-server/${hostile.slice(0, 12)}`,
          `/.well-known/oauth-authorization-server/${suffix}`,
          '/.well-known/openid-configuration',
        ),
        get(
          `/.well-known/oauth-protected-resource/${hostile.slice(0, 12)}`,
          `/.well-known/oauth-protected-resource/${suffix}`,
          '/.well-known/oauth-protected-resource',
        ),
      );
    }
    const results = await inBatches(jobs);
    sent += results.length;
    for (const { a, same } of results) {
      if (same) {
        expect(a.status, a.label).toBe(200);
        expect(a.text, a.label).toBe(clean.get(same));
      } else expectClientError(a);
    }
    expect(await stored()).toEqual(before);
  });

  it('answer hostile sign-in, sign-up and consent forms with a page, and sign no one in', {
    timeout: 60_000,
  }, async () => {
    /** One browser: its cookies by name (every request here stays within one sign-in). */
    const browser = () => {
      const jar = new Map<string, string>();
      const go = async (url: string, init: RequestInit = {}) => {
        const response = await fetch(new URL(url, server.url), {
          ...init,
          redirect: 'manual',
          headers: {
            accept: 'text/html',
            cookie: [...jar].map(([k, v]) => `${k}=${v}`).join('; '),
            ...(init.headers as Record<string, string>),
          },
        });
        for (const set of response.headers.getSetCookie()) {
          const [pair = ''] = set.split(';');
          const at = pair.indexOf('=');
          if (pair.slice(at + 1)) jar.set(pair.slice(0, at), pair.slice(at + 1));
          else jar.delete(pair.slice(0, at));
        }
        return response;
      };
      /** Follows redirects to the next interaction page; its path and the CSRF token of its form. */
      const open = async (url: string) => {
        let response = await go(url);
        while (response.status === 303 || response.status === 302) {
          response = await go(response.headers.get('location') ?? '');
        }
        const path = new URL(response.url).pathname;
        const csrf = /name="csrf" value="([^"]+)"/.exec(await response.text())?.[1] ?? '';
        return { path, csrf };
      };
      const post = (url: string, body: BodyInit | undefined, headers: Record<string, string> = form) =>
        go(url, { method: 'POST', body, headers });
      return { go, open, post };
    };
    const authorization = `/auth?${encode([
      ['client_id', tool.client_id],
      ['response_type', 'code'],
      ['scope', 'openid'],
      ['redirect_uri', REDIRECT],
      ['code_challenge', 'c'.repeat(43)],
      ['code_challenge_method', 'S256'],
      ['state', 's'],
    ])}`;

    // One person at the sign-in page, another already signed in and at the consent page.
    const signingIn = browser();
    const login = await signingIn.open(authorization);
    const consenting = browser();
    const first = await consenting.open(authorization);
    const signedIn = await consenting.post(
      `${first.path}/login`,
      encode([
        ['csrf', first.csrf],
        ['email', owner.email],
        ['password', TEST_PASSWORD],
      ]),
    );
    expect(signedIn.status).toBe(303);
    const consent = await consenting.open(signedIn.headers.get('location') ?? '');
    expect(login.path).toMatch(/^\/interaction\/[\w-]+$/);
    expect(consent.path).toMatch(/^\/interaction\/[\w-]+$/);
    expect(consent.path).not.toBe(first.path);
    expect([login.csrf, consent.csrf]).not.toContain('');

    const orgId = ownersOrg._id;
    const stranger = await createOrg(server.stores.db, (await createUser(server.stores.db))._id, 'Not Yours');
    const forms: Array<{ at: ReturnType<typeof browser>; path: string; fields: Array<[string, string]> }> = [
      {
        at: signingIn,
        path: `${login.path}/login`,
        fields: [
          ['csrf', login.csrf],
          ['email', owner.email],
          ['password', TEST_PASSWORD],
        ],
      },
      {
        at: signingIn,
        path: `${login.path}/signup`,
        fields: [
          ['csrf', login.csrf],
          ['name', 'New Person'],
          ['email', uniqueEmail('fuzz')],
          ['password', TEST_PASSWORD],
          ['confirmPassword', TEST_PASSWORD],
        ],
      },
      { at: signingIn, path: `${login.path}/abort`, fields: [['csrf', login.csrf]] },
      {
        at: consenting,
        path: `${consent.path}/consent`,
        fields: [
          ['csrf', consent.csrf],
          ['organization', orgId],
        ],
      },
      { at: consenting, path: `${consent.path}/abort`, fields: [['csrf', consent.csrf]] },
    ];

    const before = await stored();
    const jobs: Array<() => Promise<Answer>> = [];
    for (const { at, path, fields } of forms) {
      const label = (what: string) => `${path.replace(/\/interaction\/[\w-]+/, '')} ${what}`;
      const valid = encode(fields);
      const without = (name: string) => encode(fields.filter(([k]) => k !== name));
      for (const [name, value] of fields) {
        // Every field of a form that would otherwise succeed, broken one at a time.
        jobs.push(
          () => answer(label(`${name}[$gt]`), at.post(path, `${without(name)}&${name}[$gt]=&${name}[$ne]=x`)),
          () => answer(label(`${name} twice`), at.post(path, `${valid}&${encode([[name, value]])}`)),
          () => answer(label(`${name}=[]`), at.post(path, `${without(name)}&${name}[]=${encodeURIComponent(value)}`)),
        );
      }
      jobs.push(
        () =>
          answer(
            label('JSON'),
            at.post(path, JSON.stringify({ ...Object.fromEntries(fields), email: OPERATOR, organization: OPERATOR }), {
              'content-type': 'application/json',
            }),
          ),
        () => answer(label('text/plain'), at.post(path, valid, { 'content-type': 'text/plain' })),
        () => {
          const multipart = new FormData();
          for (const [k, v] of fields) multipart.set(k, v);
          return answer(label('multipart'), at.post(path, multipart, {}));
        },
        () => answer(label('invalid UTF-8'), at.post(path, Buffer.concat([Buffer.from(`${valid}&x=`), INVALID_UTF8]))),
        () => answer(label('malformed encoding'), at.post(path, `${valid}&x=%E0%A4%A`)),
        () => answer(label('oversized'), at.post(path, `${valid}&pad=${'p'.repeat(100_000)}`)),
        ...misencoded(valid).map(
          ({ what, encoding, body }) =>
            () =>
              answer(label(what), at.post(path, body, { ...form, 'content-encoding': encoding })),
        ),
      );
    }
    jobs.push(
      () =>
        answer(
          '/consent organization=$where',
          consenting.post(`${consent.path}/consent`, `csrf=${consent.csrf}&organization=%24where`),
        ),
      () =>
        answer(
          '/consent organization={"$gt":""}',
          consenting.post(
            `${consent.path}/consent`,
            encode([
              ['csrf', consent.csrf],
              ['organization', JSON.stringify(OPERATOR)],
            ]),
          ),
        ),
      () =>
        answer(
          '/consent another organization',
          consenting.post(
            `${consent.path}/consent`,
            encode([
              ['csrf', consent.csrf],
              ['organization', stranger._id],
            ]),
          ),
        ),
    );
    const answers = await inBatches(jobs, 8);
    sent += answers.length;
    for (const a of answers) expectPage(a);
    expect(await stored()).toEqual(before);

    // The same forms, sent whole, still go through: the refusals above were for what was broken.
    const signIn = await signingIn.post(`${login.path}/login`, encode(forms[0]?.fields ?? []));
    expect(signIn.status).toBe(303);
    const allow = await consenting.post(`${consent.path}/consent`, encode(forms[3]?.fields ?? []));
    expect(allow.status).toBe(303);
  });
});
