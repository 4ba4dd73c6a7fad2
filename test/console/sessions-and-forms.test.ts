import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerOrgClient } from '../../src/oidc/clients.js';
import { createInvitation } from '../../src/orgs/invitations.js';
import { addMemberAs, createOrg, createUser, TEST_PASSWORD } from '../support/factories.js';
import { startTestServer } from '../support/harness.js';

/** A browser-like HTTP client: keeps cookies, does not follow redirects, reads the forms' CSRF token. */
function visitor(base: string) {
  const jar = new Map<string, string>();
  const request = async (method: string, path: string, form?: Record<string, string>) => {
    const response = await fetch(`${base}${path}`, {
      method,
      redirect: 'manual',
      headers: {
        accept: 'text/html',
        cookie: [...jar].map(([k, v]) => `${k}=${v}`).join('; '),
        ...(form ? { 'content-type': 'application/x-www-form-urlencoded' } : {}),
      },
      body: form ? new URLSearchParams(form).toString() : undefined,
    });
    for (const line of response.headers.getSetCookie()) {
      const [pair = ''] = line.split(';');
      const [name = '', ...value] = pair.split('=');
      if (/max-age=0|expires=Thu, 01 Jan 1970/i.test(line)) jar.delete(name);
      else jar.set(name, value.join('='));
    }
    const html = await response.text();
    return { status: response.status, location: response.headers.get('location'), html, headers: response.headers };
  };
  let csrf = '';
  return {
    jar,
    async get(path: string) {
      const answer = await request('GET', path);
      csrf = /name="csrf" value="([^"]+)"/.exec(answer.html)?.[1] ?? csrf;
      return answer;
    },
    post: (path: string, form: Record<string, string>, token = csrf) => request('POST', path, { csrf: token, ...form }),
    get csrf() {
      return csrf;
    },
    async signIn(email: string, password = TEST_PASSWORD, next?: string) {
      await this.get(`/console/signin${next ? `?next=${encodeURIComponent(next)}` : ''}`);
      return this.post('/console/signin', { email, password, ...(next ? { next } : {}) });
    },
  };
}

let server: Awaited<ReturnType<typeof startTestServer>>;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server?.close());

describe('console sessions', () => {
  it('refuses forms without the CSRF token of this browser', async () => {
    const person = await createUser(server.stores.db);
    const mallory = visitor(server.url);
    await mallory.get('/console/signin');
    const forged = await visitor(server.url).post(
      '/console/signin',
      { email: person.email, password: TEST_PASSWORD },
      mallory.csrf,
    );
    expect(forged.status).toBe(403);
    expect(forged.html).toContain('This form has expired');

    const alice = visitor(server.url);
    expect((await alice.signIn(person.email)).status).toBe(303);
    await alice.get('/console/account');
    const withVisitorToken = await alice.post('/console/account/profile', { name: 'Changed' }, mallory.csrf);
    expect(withVisitorToken.status).toBe(403);
    expect((await server.stores.db.users.findById(person._id).lean())?.name).toBe(person.name);
  });

  it('says a wrong password plainly, then slows down guessing', async () => {
    const person = await createUser(server.stores.db);
    const guesser = visitor(server.url);
    const first = await guesser.signIn(person.email, 'wrong password');
    expect(first.status).toBe(401);
    expect(first.html).toContain('Email or password is incorrect.');
    expect(first.html).toContain(`value="${person.email}"`);
    for (let i = 0; i < 4; i++) await guesser.signIn(person.email, 'wrong password');
    const blocked = await guesser.signIn(person.email, TEST_PASSWORD);
    expect(blocked.status).toBe(429);
    expect(blocked.html).toMatch(/Too many attempts\. Try again in \d+ seconds\./);
    expect(Number(blocked.headers.get('retry-after'))).toBeGreaterThan(0);
  });

  it('goes back only to console pages after sign-in', async () => {
    const person = await createUser(server.stores.db);
    const back = await visitor(server.url).signIn(person.email, TEST_PASSWORD, '/console/account');
    expect(back.location).toBe('/console/account');
    for (const next of [
      '//evil.example/console',
      'https://evil.example/',
      '/console/..//evil.example',
      '/api/v1/orgs',
    ]) {
      const answer = await visitor(server.url).signIn(person.email, TEST_PASSWORD, next);
      expect(answer.location, next).toBe('/console');
    }
  });

  it('ends the session on sign-out, and other sessions on a password change', async () => {
    const person = await createUser(server.stores.db);
    const laptop = visitor(server.url);
    const phone = visitor(server.url);
    await laptop.signIn(person.email);
    await phone.signIn(person.email);
    const oldCookie = laptop.jar.get('orgauth_console') ?? '';

    await laptop.get('/console/account');
    const changed = await laptop.post('/console/account/password', {
      currentPassword: TEST_PASSWORD,
      newPassword: 'a brand new password',
      confirmPassword: 'a brand new password',
    });
    expect(changed.status).toBe(303);
    expect((await laptop.get('/console/account')).status).toBe(200);
    expect((await phone.get('/console/account')).location).toMatch(/^\/console\/signin/);

    await laptop.post('/console/signout', {});
    const replayed = visitor(server.url);
    replayed.jar.set('orgauth_console', oldCookie);
    expect((await replayed.get('/console/account')).location).toMatch(/^\/console\/signin/);
  });

  it('refuses a wrong current password and keeps the old one', async () => {
    const person = await createUser(server.stores.db);
    const alice = visitor(server.url);
    await alice.signIn(person.email);
    await alice.get('/console/account');
    const answer = await alice.post('/console/account/password', {
      currentPassword: 'not my password',
      newPassword: 'another password!',
      confirmPassword: 'another password!',
    });
    expect(answer.status).toBe(400);
    expect(answer.html).toContain('Current password is not correct');
    expect((await visitor(server.url).signIn(person.email)).status).toBe(303);
  });
});

describe('console organization pages', () => {
  it('do not show another organization, and hide what a role may not see', async () => {
    const { db } = server.stores;
    const [owner, member, stranger] = await Promise.all([createUser(db), createUser(db), createUser(db)]);
    const org = await createOrg(db, owner._id, 'Private Co');
    await addMemberAs(db, org._id, member._id, 'member');

    const outsider = visitor(server.url);
    await outsider.signIn(stranger.email);
    const peek = await outsider.get(`/console/orgs/${org._id}/members`);
    expect(peek.status).toBe(404);
    expect(peek.html).not.toContain('Private Co');

    const bob = visitor(server.url);
    await bob.signIn(member.email);
    expect((await bob.get(`/console/orgs/${org._id}`)).status).toBe(200);
    const audit = await bob.get(`/console/orgs/${org._id}/audit`);
    expect(audit.status).toBe(403);
    await bob.get(`/console/orgs/${org._id}/transactions`);
    const deduct = await bob.post(`/console/orgs/${org._id}/transactions/deduct`, {
      amount: '5',
      description: 'sneaky',
      idempotencyKey: 'k-1',
    });
    expect(deduct.status).toBe(403);
    expect(await db.creditEntries.countDocuments({ orgId: org._id })).toBe(0);
    expect((await bob.get('/console/admin/organizations')).status).toBe(404);
  });

  it('pages long lists of clients and invitations', { timeout: 60_000 }, async () => {
    const { db } = server.stores;
    const owner = await createUser(db);
    const org = await createOrg(db, owner._id, 'Busy Co');
    for (let i = 0; i < 30; i++) {
      await registerOrgClient(server.oidc.provider, db, {
        orgId: org._id,
        name: `Job ${i}`,
        grantTypes: ['client_credentials'],
      });
      await createInvitation(
        db,
        { orgId: org._id, invitedBy: owner._id, standing: 'owner' },
        { email: `invitee-${i}@example.test`, role: 'member' },
      );
    }
    const alice = visitor(server.url);
    await alice.signIn(owner.email);

    const seen = async (first: string, pattern: RegExp, next: string) => {
      const found = new Set<string>();
      let path: string | undefined = first;
      for (let pages = 0; path && pages < 10; pages++) {
        const page = await alice.get(path);
        expect(page.status).toBe(200);
        for (const match of page.html.matchAll(pattern)) found.add(match[1] ?? '');
        const link = new RegExp(`href="([^"]+)">${next}<`).exec(page.html)?.[1];
        path = link ? `${first.split('?')[0]}${link.replaceAll('&amp;', '&')}` : undefined;
      }
      return found;
    };
    const clients = await seen(`/console/orgs/${org._id}/apps`, /<td>(Job \d+)<\/td>/g, 'Next page of clients');
    expect(clients.size).toBe(30);
    const invitations = await seen(
      `/console/orgs/${org._id}/members`,
      /<td>(invitee-\d+@example\.test)<\/td>/g,
      'Next page of invitations',
    );
    expect(invitations.size).toBe(30);
  });

  it('answers unknown console paths with a page', async () => {
    const answer = await visitor(server.url).get('/console/no-such-page');
    expect(answer.status).toBe(404);
    expect(answer.headers.get('content-type')).toContain('text/html');
    expect(answer.html).toContain('Not found');
  });

  it('applies a submitted credit form once, however often it is sent', async () => {
    const { db } = server.stores;
    const owner = await createUser(db);
    const org = await createOrg(db, owner._id);
    const alice = visitor(server.url);
    await alice.signIn(owner.email);
    await alice.get(`/console/orgs/${org._id}/transactions`);
    const form = { amount: '70', description: 'Top-up', idempotencyKey: 'form-123' };
    const answers = await Promise.all(
      [1, 2, 3].map(() => alice.post(`/console/orgs/${org._id}/transactions/add`, form)),
    );
    expect(answers.map((a) => a.status)).toEqual([303, 303, 303]);
    const page = await alice.get(`/console/orgs/${org._id}/transactions`);
    expect(/data-testid="balance">(\d+)</.exec(page.html)?.[1]).toBe('70');
  });
});
