import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addCredits } from '../../src/credits/service.js';
import { setPlatformAdmin } from '../../src/users/service.js';
import { orgWithRoles } from '../support/api.js';
import { consoleSignIn } from '../support/console.js';
import { TEST_PASSWORD } from '../support/factories.js';
import {
  type Answer,
  answer,
  expectPage,
  INVALID_UTF8,
  inBatches,
  misencoded,
  redisKeys,
  snapshot,
} from '../support/fuzz.js';
import { startTestServer } from '../support/harness.js';

let server: Awaited<ReturnType<typeof startTestServer>>;
let acme: Awaited<ReturnType<typeof orgWithRoles>>;
let cookie: string;
let csrf: string;
let sent = 0;

/** Every form the console posts, with the fields it sends (ids of things that exist where a path needs one). */
let forms: Array<{ path: string; fields: string[] }>;

beforeAll(async () => {
  server = await startTestServer();
  acme = await orgWithRoles(server.stores.db, server.url, 'Console Fuzz');
  await setPlatformAdmin(server.stores.db, acme.owner.email, true);
  await addCredits(
    server.stores.db,
    acme.org._id,
    { amount: 50, description: 'opening' },
    { actor: { type: 'system', id: 'test' } },
  );
  // Sign in as a browser does, and keep the session's CSRF token.
  const signedIn = await consoleSignIn(server.url, acme.owner.email, TEST_PASSWORD);
  expect(signedIn.status).toBe(303);
  cookie = signedIn.cookies.map((c) => c.split(';')[0]).join('; ');
  const overview = await fetch(`${server.url}/console/orgs/${acme.org._id}/transactions`, { headers: { cookie } });
  csrf = /name="csrf" value="([^"]+)"/.exec(await overview.text())?.[1] ?? '';
  expect(csrf).not.toBe('');

  const org = `/console/orgs/${acme.org._id}`;
  const member = acme.member._id;
  forms = [
    { path: '/console/signin', fields: ['email', 'password', 'next'] },
    { path: '/console/signup', fields: ['name', 'email', 'password', 'confirmPassword'] },
    { path: '/console/account/profile', fields: ['name'] },
    { path: '/console/account/password', fields: ['currentPassword', 'newPassword', 'confirmPassword'] },
    { path: '/console/signout', fields: [] },
    { path: '/console/invitations/accept', fields: ['token'] },
    { path: '/console/switch', fields: ['orgId', 'tab'] },
    { path: '/console/orgs/new', fields: ['name', 'description'] },
    { path: '/console/admin/organizations', fields: ['name', 'description', 'ownerEmail'] },
    { path: `${org}/configuration`, fields: ['name', 'description'] },
    { path: `${org}/delete`, fields: ['confirmName'] },
    { path: `${org}/members/invite`, fields: ['email', 'role'] },
    { path: `${org}/members/${member}/role`, fields: ['role'] },
    { path: `${org}/members/${member}/remove`, fields: [] },
    { path: `${org}/teams`, fields: ['name'] },
    { path: `${org}/teams/assign`, fields: ['teamId'] },
    { path: `${org}/api-keys`, fields: ['name', 'scopes', 'expiresAt', 'teamId'] },
    { path: `${org}/apps/clients`, fields: ['name', 'redirectUris', 'machine', 'type', 'scope'] },
    { path: `${org}/apps/policy`, fields: ['clientPolicy', 'resourcePolicy'] },
    { path: `${org}/apps/approvals`, fields: ['ref'] },
    { path: `${org}/apps/approvals/withdraw`, fields: ['ref'] },
    { path: `${org}/transactions/add`, fields: ['amount', 'description', 'idempotencyKey'] },
    { path: `${org}/transactions/deduct`, fields: ['amount', 'description', 'idempotencyKey'] },
  ];
});
afterAll(async () => {
  console.info(`console bad-input requests sent: ${sent}`);
  await server?.close();
});

const post = (path: string, body: BodyInit | undefined, type?: string) =>
  fetch(`${server.url}${path}`, {
    method: 'POST',
    redirect: 'manual',
    headers: { cookie, accept: 'text/html', ...(type ? { 'content-type': type } : {}) },
    body,
  });
const formType = 'application/x-www-form-urlencoded';

/** What the stores hold, minus counters: what a refused form must leave as it was. */
const stored = async () => ({ db: await snapshot(server.stores.db), redis: await redisKeys(server.stores.redis) });

const balance = async () => {
  const response = await fetch(`${server.url}/api/v1/orgs/${acme.org._id}/credits`, {
    headers: { authorization: `Bearer ${acme.keys.owner}` },
  });
  return ((await response.json()) as { balance: number }).balance;
};

describe('the console forms under bad input', () => {
  it('answer operator objects, duplicated fields and unreadable posts with a page, and change nothing', {
    timeout: 60_000,
  }, async () => {
    const before = await stored();
    // The snapshot sees the signed-in session, so a form that ended or forked it would show.
    expect(before.redis.filter((key) => key.startsWith('console-session:'))).toHaveLength(1);
    const jobs: Array<() => Promise<Answer>> = [];
    for (const { path, fields } of forms) {
      const label = (what: string) => `${path} ${what}`;
      for (const field of fields) {
        // `field[$gt]=` is how a form post spells an object; every field must refuse it.
        jobs.push(() =>
          answer(label(`${field}[$gt]`), post(path, `csrf=${csrf}&${field}[$gt]=&${field}[$ne]=x`, formType)),
        );
        jobs.push(() => answer(label(`${field} twice`), post(path, `csrf=${csrf}&${field}=a&${field}=b`, formType)));
      }
      jobs.push(
        () => answer(label('csrf[$gt]'), post(path, `csrf[$gt]=&${fields.map((f) => `${f}=x`).join('&')}`, formType)),
        () => answer(label('csrf twice'), post(path, `csrf=${csrf}&csrf=${csrf}`, formType)),
        () =>
          answer(
            label('JSON'),
            post(
              path,
              JSON.stringify({ csrf, ...Object.fromEntries(fields.map((f) => [f, { $gt: '' }])) }),
              'application/json',
            ),
          ),
        () => answer(label('text/plain'), post(path, `csrf=${csrf}`, 'text/plain')),
        () =>
          answer(
            label('invalid UTF-8'),
            post(path, Buffer.concat([Buffer.from(`csrf=${csrf}&${fields[0] ?? 'x'}=`), INVALID_UTF8]), formType),
          ),
        () =>
          answer(label('oversized'), post(path, `csrf=${csrf}&${fields[0] ?? 'x'}=${'o'.repeat(100_000)}`, formType)),
        () =>
          answer(label('malformed encoding'), post(path, `csrf=${csrf}&${fields[0] ?? 'x'}=%E0%A4%A&%zz`, formType)),
        () => answer(label('no body'), post(path, undefined, formType)),
        ...misencoded(`csrf=${csrf}&${fields.map((f) => `${f}=x`).join('&')}`).map(
          ({ what, encoding, body }) =>
            () =>
              answer(
                label(what),
                fetch(`${server.url}${path}`, {
                  method: 'POST',
                  redirect: 'manual',
                  headers: { cookie, accept: 'text/html', 'content-type': formType, 'content-encoding': encoding },
                  body,
                }),
              ),
        ),
      );
    }
    const answers = await inBatches(jobs, 8);
    sent += answers.length;
    for (const a of answers) {
      // A refused form either comes back with its errors (a page) or is answered with an error page.
      expectPage(a);
    }
    for (const { what, status = 400 } of misencoded('')) {
      for (const a of answers.filter((x) => x.label.endsWith(` ${what}`))) expect(a.status, a.label).toBe(status);
    }
    expect(await stored()).toEqual(before);
    expect(await balance()).toBe(50);
  });

  it('answers hostile ids in console paths with a page', { timeout: 60_000 }, async () => {
    const hostile = ['{"$gt":""}', '$where', '..%2F..%2Fapi', 'x'.repeat(3000), '%00'];
    const jobs: Array<() => Promise<Answer>> = [];
    for (const id of hostile) {
      for (const path of [
        `/console/orgs/${id}`,
        `/console/orgs/${id}/members`,
        `/console/orgs/${acme.org._id}/apps/clients/${id}`,
        `/console/orgs/${acme.org._id}/transactions?kind=${id}&userId[$ne]=x&from=${id}`,
        `/console/orgs/${acme.org._id}/members?cursor=${id}`,
      ]) {
        jobs.push(() =>
          answer(
            `GET ${path.slice(0, 60)}`,
            fetch(`${server.url}${path}`, { headers: { cookie, accept: 'text/html' } }),
          ),
        );
      }
      jobs.push(() =>
        answer(
          `POST members/${id.slice(0, 10)}/role`,
          post(`/console/orgs/${acme.org._id}/members/${id}/role`, `csrf=${csrf}&role=admin`, formType),
        ),
      );
    }
    const answers = await inBatches(jobs, 8);
    sent += answers.length;
    for (const a of answers) {
      // A list with a filter it cannot use shows the page with a message; everything else is a 4xx page.
      if (a.status === 200) {
        expect(a.type, a.label).toContain('text/html');
        continue;
      }
      expectPage(a);
    }
  });
});
