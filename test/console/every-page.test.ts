import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiKey } from '../../src/apikeys/service.js';
import { addCredits } from '../../src/credits/service.js';
import { createTeam } from '../../src/teams/service.js';
import { setPlatformAdmin } from '../../src/users/service.js';
import { apiClient } from '../support/api.js';
import { launchBrowser } from '../support/browser.js';
import { DESKTOP, expectAccessible, PHONE, SCREENSHOTS } from '../support/console.js';
import { addMemberAs, createOrg, createUser, TEST_PASSWORD, uniqueEmail } from '../support/factories.js';
import {
  authorizeInBrowser,
  createClient,
  relyingParty,
  startAuthorization,
  startOidcServer,
} from '../support/oauth.js';

/**
 * Every console page, at desktop (1280 px) and phone (390 px) width: axe finds nothing serious, the
 * page never scrolls sideways on a phone, the left navigation marks the current section, the
 * organization and the person's role stay in view, people, keys, teams and clients appear by name
 * (their ids beside them), and an empty section says what it is for and offers its first action.
 * Screenshots land in test-results/screenshots/pages/.
 */
let server: Awaited<ReturnType<typeof startOidcServer>>;
let browser: Browser & { cleanup(): Promise<void> };
let alice: Page;
let bob: Page;
let visitor: Page;
const aliceEmail = uniqueEmail('alice');
const bobEmail = uniqueEmail('bob');
const ids = { northwind: '', empty: '', clientId: '', bobKeyId: '', invitation: '' };
const SHOTS = join(SCREENSHOTS, 'pages');
/** A browser step that cannot happen fails with its own message, well inside a test's budget even when the machine is busy. */
const STEP_MS = 20_000;

async function signIn(page: Page, email: string) {
  await page.goto('/console/signin');
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(TEST_PASSWORD);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL(/\/console\/orgs\//);
}

beforeAll(async () => {
  server = await startOidcServer();
  const { db } = server.stores;
  const [aliceUser, bobUser] = await Promise.all([
    createUser(db, { email: aliceEmail, name: 'Alice Admin' }),
    createUser(db, { email: bobEmail, name: 'Bob Builder' }),
  ]);
  await setPlatformAdmin(db, aliceEmail, true);
  const northwind = await createOrg(db, aliceUser._id, 'Northwind');
  const empty = await createOrg(db, aliceUser._id, 'Empty Co');
  ids.northwind = northwind._id;
  ids.empty = empty._id;
  await addMemberAs(db, northwind._id, bobUser._id, 'member');
  const team = await createTeam(db, { name: 'Rovers', orgId: northwind._id });
  const bobKey = await createApiKey(
    db,
    { orgId: northwind._id, userId: bobUser._id },
    { name: 'ci', teamId: team.id, scopes: [] },
  );
  ids.bobKeyId = bobKey.id;
  await addCredits(
    db,
    northwind._id,
    { amount: 1000, description: 'Opening balance' },
    { actor: { type: 'user', id: aliceUser._id } },
  );
  const debit = await apiClient(server.url, bobKey.key)(
    'POST',
    `/orgs/${northwind._id}/credits/debits`,
    {
      amount: 40,
      description: 'Nightly build',
    },
    { 'idempotency-key': 'every-page-1' },
  );
  expect(debit.status).toBe(201);
  const invited = await apiClient(
    server.url,
    (await createApiKey(db, { orgId: northwind._id, userId: aliceUser._id }, { name: 'admin' })).key,
  )('POST', `/orgs/${northwind._id}/invitations`, { email: uniqueEmail('carol'), role: 'admin' });
  ids.invitation = (invited.body as { token: string }).token;

  browser = await launchBrowser();
  const context = (options = {}) => browser.newContext({ baseURL: server.url, viewport: DESKTOP, ...options });
  alice = await (await context()).newPage();
  bob = await (await context()).newPage();
  visitor = await (await context()).newPage();
  for (const page of [alice, bob, visitor]) page.setDefaultTimeout(STEP_MS);

  // Bob connects an app in Northwind, and Northwind has a client of its own.
  const redirectUri = 'http://127.0.0.1:9/callback';
  const tool = await createClient(server.stores, server.config, {
    name: 'Robot CLI',
    redirectUris: [redirectUri],
    public: true,
  });
  const own = await createClient(server.stores, server.config, {
    orgId: northwind._id,
    name: 'Northwind billing',
    grantTypes: ['client_credentials'],
  });
  ids.clientId = own.client_id;
  const rp = await relyingParty(server.issuer, tool.client_id);
  const { url } = await startAuthorization(rp, { redirectUri, scope: 'openid', extra: { prompt: 'consent' } });
  await authorizeInBrowser(bob, url, redirectUri, {
    email: bobEmail,
    password: TEST_PASSWORD,
    organizationName: 'Northwind',
  });
  await signIn(alice, aliceEmail);
  await signIn(bob, bobEmail);
}, 90_000);

afterAll(async () => {
  await browser?.cleanup();
  await server?.close();
});

interface Expectation {
  /** The section the left navigation marks as current (undefined: a page outside the organization's sections). */
  current?: string;
  /** The organization and role the page keeps in view. */
  org?: { name: string; role: string };
}

/** What every page must be at both widths; returns nothing, fails with the page and width named. */
async function inspect(page: Page, name: string, expected: Expectation = {}) {
  mkdirSync(SHOTS, { recursive: true });
  for (const [width, size] of [
    ['desktop', DESKTOP],
    ['phone', PHONE],
  ] as const) {
    await page.setViewportSize(size);
    const where = `${name} at ${width}`;
    await expectAccessible(page);
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    expect(overflow, `${where} scrolls sideways`).toBeLessThanOrEqual(0);
    const nav = page.getByRole('navigation', { name: 'Organization' });
    if (expected.current !== undefined) {
      expect(await nav.locator('a[aria-current="page"]').allTextContents(), where).toEqual([expected.current]);
      await expect(nav.locator('a[aria-current="page"]').isVisible(), where).resolves.toBe(true);
    }
    if (expected.org) {
      const card = page.locator('.org-name');
      await expect(card.isVisible(), where).resolves.toBe(true);
      const text = (await card.textContent()) ?? '';
      expect(text, where).toContain(expected.org.name);
      expect(text, where).toContain(`Your role: ${expected.org.role}`);
    }
    if (width === 'phone' && (await page.locator('header.topbar').count())) {
      // A compact header: at most two short lines, and the sections in one row under it.
      expect((await page.locator('header.topbar').boundingBox())?.height ?? 0, where).toBeLessThan(100);
      if (await page.locator('.sidebar').count()) {
        expect((await page.locator('.sidebar').boundingBox())?.height ?? 0, where).toBeLessThan(100);
      }
    }
    // An id is never shown alone: a name stands beside it (columns of ids excepted).
    const bare = await page.evaluate(() =>
      Array.from(document.querySelectorAll('td')).flatMap((cell) => {
        const copy = cell.cloneNode(true) as HTMLElement;
        for (const button of Array.from(copy.querySelectorAll('button, form'))) button.remove();
        const text = copy.textContent?.trim() ?? '';
        const column = cell.closest('table')?.querySelectorAll('th')[(cell as HTMLTableCellElement).cellIndex];
        const idColumn = /\bid\b|request/i.test(column?.textContent ?? '');
        return /^(usr|key|team|org|grant)_[\w-]+$/.test(text) && !idColumn ? [text] : [];
      }),
    );
    expect(bare, `${where}: ids without a name`).toEqual([]);
    await page.screenshot({ path: join(SHOTS, `${name}-${width}.png`), fullPage: true });
  }
  await page.setViewportSize(DESKTOP);
}

const northwind = (tab = '') => `/console/orgs/${ids.northwind}${tab ? `/${tab}` : ''}`;
const emptyCo = (tab = '') => `/console/orgs/${ids.empty}${tab ? `/${tab}` : ''}`;
const owner = (name: string) => ({ name, role: 'owner' });

// Each test runs axe on several pages at two widths: a few seconds each, many more on a busy machine.
describe('every console page, at desktop and phone width', { timeout: 180_000 }, () => {
  it('the pages of a visitor: sign in, sign up, an invitation, a page that does not exist', async () => {
    await visitor.goto('/console/signin');
    await inspect(visitor, 'sign-in');
    await visitor.goto('/console/signup');
    await inspect(visitor, 'sign-up');
    await visitor.goto(`/console/invitations/accept?token=${encodeURIComponent(ids.invitation)}`);
    await visitor.getByRole('heading', { name: 'Join Northwind' }).waitFor();
    await inspect(visitor, 'invitation');
    const missing = await visitor.goto('/console/nothing-here');
    expect(missing?.status()).toBe(404);
    await expect(visitor.getByRole('link', { name: 'Back to the console' }).getAttribute('href')).resolves.toBe(
      '/console',
    );
    await inspect(visitor, 'not-found');
  });

  it('an organization in use: each section by name, current in the navigation', async () => {
    await alice.goto(northwind());
    await inspect(alice, 'overview', { current: 'Overview', org: owner('Northwind') });
    await alice.goto(northwind('members'));
    expect(await alice.getByRole('row').filter({ hasText: bobEmail }).textContent()).toContain('Bob Builder');
    await inspect(alice, 'members', { current: 'Members', org: owner('Northwind') });
    await alice.goto(northwind('teams'));
    await inspect(alice, 'teams', { current: 'Teams', org: owner('Northwind') });

    await alice.goto(northwind('api-keys'));
    // An admin sees that Bob's key exists, by his name, never its secret.
    const keyRow = alice.getByRole('row').filter({ hasText: 'ci' }).filter({ hasText: ids.bobKeyId });
    expect(await keyRow.textContent()).toContain('Bob Builder');
    expect(await keyRow.textContent()).toContain('Rovers');
    await inspect(alice, 'api-keys', { current: 'API keys', org: owner('Northwind') });

    await alice.goto(northwind('apps'));
    const appRow = alice.getByRole('row').filter({ hasText: 'Robot CLI' });
    expect(await appRow.textContent()).toContain('Bob Builder');
    await inspect(alice, 'apps', { current: 'Apps', org: owner('Northwind') });
    await alice.goto(northwind(`apps/clients/${encodeURIComponent(ids.clientId)}`));
    await alice.getByRole('heading', { name: 'Northwind billing' }).waitFor();
    await inspect(alice, 'client', { current: 'Apps', org: owner('Northwind') });

    await alice.goto(northwind('transactions'));
    const debitRow = alice.getByRole('row').filter({ hasText: 'Nightly build' });
    const debit = (await debitRow.textContent()) ?? '';
    expect(debit).toContain('Bob Builder');
    expect(debit).toContain('key “ci” of Bob Builder');
    expect(debit).toContain('Rovers');
    // The log filters by key and client by their names.
    await alice.getByLabel('API key').selectOption({ label: 'key “ci” of Bob Builder' });
    await alice.getByRole('button', { name: 'Filter' }).click();
    const rows = alice.getByRole('table', { name: 'Transactions, newest first' }).locator('tbody tr');
    expect(await rows.allTextContents()).toEqual([expect.stringContaining('Nightly build')]);
    await expect(alice.getByLabel('Client').locator('option', { hasText: 'Northwind billing' }).count()).resolves.toBe(
      1,
    );
    await alice.goto(northwind('transactions'));
    // An owner sets how far below zero the balance may go.
    const overdraft = alice.getByRole('region', { name: 'Overdraft' });
    await overdraft.getByLabel('Overdraft limit').fill('lots');
    await overdraft.getByRole('button', { name: 'Save overdraft limit' }).click();
    await expect(alice.locator('#overdraft-limit-error').isVisible()).resolves.toBe(true);
    await alice.getByRole('region', { name: 'Overdraft' }).getByLabel('Overdraft limit').fill('50');
    await alice.getByRole('button', { name: 'Save overdraft limit' }).click();
    await expect(alice.getByRole('status').textContent()).resolves.toContain('The overdraft limit was saved');
    await expect(alice.locator('.stats').textContent()).resolves.toContain('May go below zero by50');
    await inspect(alice, 'transactions', { current: 'Transactions', org: owner('Northwind') });
    await alice.goto(northwind('configuration'));
    await inspect(alice, 'configuration', { current: 'Configuration', org: owner('Northwind') });
    await alice.goto(northwind('audit'));
    // Targets by what they are called: the app of a grant, the email of an invitation.
    await expect(alice.getByRole('row').filter({ hasText: 'grant.created' }).textContent()).resolves.toContain(
      'Robot CLI (grant)',
    );
    await expect(alice.getByRole('row').filter({ hasText: 'invitation.created' }).textContent()).resolves.toMatch(
      /invitation of carol-\w+@example\.test/,
    );
    await inspect(alice, 'audit', { current: 'Audit', org: owner('Northwind') });
  });

  it('a destructive action asks on a page of its own, inside the organization', async () => {
    await alice.goto(northwind('members'));
    await alice
      .getByRole('row')
      .filter({ hasText: bobEmail })
      .getByRole('button', { name: /^Remove/ })
      .click();
    await alice.getByRole('heading', { name: 'Remove this member?' }).waitFor();
    await inspect(alice, 'confirm', { current: 'Members', org: owner('Northwind') });
    await alice.getByRole('link', { name: 'Cancel' }).click();

    // Withdrawing an invitation and rotating a client's secret ask too.
    await alice.getByRole('button', { name: /^Withdraw the invitation of carol-/ }).click();
    await alice.getByRole('heading', { name: 'Withdraw this invitation?' }).waitFor();
    expect(await alice.locator('main').textContent()).toMatch(/The link sent to carol-\w+@example\.test stops working/);
    await alice.getByRole('button', { name: 'Withdraw invitation' }).click();
    await expect(alice.getByRole('status').textContent()).resolves.toContain('The invitation was withdrawn');

    await alice.goto(northwind(`apps/clients/${encodeURIComponent(ids.clientId)}`));
    await alice.getByRole('button', { name: 'Rotate secret' }).click();
    await alice.getByRole('heading', { name: 'Rotate this client’s secret?' }).waitFor();
    await expect(alice.locator('#client-secret').count()).resolves.toBe(0);
    await alice.getByRole('button', { name: 'Rotate secret' }).click();
    await expect(alice.locator('#client-secret').textContent()).resolves.toMatch(/\S{20,}/);
  });

  it('a new organization: every section says what it is for and offers its first action', async () => {
    await alice.goto(emptyCo());
    const start = alice.getByRole('region', { name: 'Get started' });
    for (const step of ['Invite people', 'Create an API key', 'Connect an app', 'Add credits']) {
      await expect(start.getByRole('link', { name: step }).isVisible(), step).resolves.toBe(true);
    }
    await inspect(alice, 'empty-overview', { current: 'Overview', org: owner('Empty Co') });
    for (const [tab, label, heading, action] of [
      ['teams', 'Teams', 'Group spending by team', 'Create a team'],
      ['api-keys', 'API keys', 'No API keys yet', 'Create your first key'],
      ['apps', 'Apps', 'No connected apps yet', undefined],
      ['transactions', 'Transactions', 'No transactions yet', 'Add credits'],
      ['audit', 'Audit', 'No events yet', undefined],
    ] as const) {
      await alice.goto(emptyCo(tab));
      const empty = alice.locator('.empty-state').first();
      await expect(empty.getByRole('heading', { name: heading }).isVisible(), tab).resolves.toBe(true);
      expect(((await empty.textContent()) ?? '').length, `${tab} says what it is for`).toBeGreaterThan(80);
      if (action) {
        const first = empty.getByRole('link', { name: action });
        await first.click();
        // The first action is on the same page: the link lands on its form.
        expect(alice.url(), tab).toContain('#');
      }
      await inspect(alice, `empty-${tab}`, { current: label, org: owner('Empty Co') });
    }
  });

  it('pages outside an organization keep the active one and its sections in view', async () => {
    await alice.goto(northwind());
    await alice.goto('/console/account');
    await alice.getByRole('heading', { name: 'Your organizations' }).waitFor();
    await expect(alice.locator('.org-name').textContent()).resolves.toContain('Northwind');
    await inspect(alice, 'account', { org: owner('Northwind') });
    await alice.goto('/console/orgs/new');
    await inspect(alice, 'new-organization', { org: owner('Northwind') });
    await alice.goto('/console/admin/organizations');
    const platform = alice.getByRole('navigation', { name: 'Platform' });
    expect(await platform.locator('a[aria-current="page"]').allTextContents()).toEqual(['All organizations']);
    await inspect(alice, 'admin-organizations', { org: owner('Northwind') });
  });

  it("a member's view: their role in view, and what they may not see explained", async () => {
    const member = { name: 'Northwind', role: 'member' };
    await bob.goto(northwind());
    await expect(bob.getByRole('region', { name: 'Your access' }).textContent()).resolves.toContain('As a member');
    await inspect(bob, 'member-overview', { current: 'Overview', org: member });
    const sections = await bob.getByRole('navigation', { name: 'Organization' }).getByRole('link').allTextContents();
    expect(sections).toEqual(['Overview', 'Members', 'Teams', 'API keys', 'Apps', 'Transactions']);
    await bob.goto(northwind('api-keys'));
    await inspect(bob, 'member-api-keys', { current: 'API keys', org: member });
    await bob.goto(northwind('transactions'));
    await expect(bob.getByRole('region', { name: 'Overdraft' }).count()).resolves.toBe(0);
    expect(await bob.locator('main').textContent()).toContain('Owners and admins of Northwind see the transaction log');
    await inspect(bob, 'member-transactions', { current: 'Transactions', org: member });
    await bob.goto(northwind('apps'));
    await inspect(bob, 'member-apps', { current: 'Apps', org: member });
  });
});

describe('on a phone', () => {
  it('the current section is scrolled into view in the one-row navigation', async () => {
    await alice.setViewportSize(PHONE);
    try {
      await alice.goto(northwind('audit'));
      const current = alice.getByRole('navigation', { name: 'Organization' }).locator('a[aria-current="page"]');
      const box = await current.boundingBox();
      expect(box?.x ?? -1).toBeGreaterThanOrEqual(0);
      expect((box?.x ?? 0) + (box?.width ?? 0)).toBeLessThanOrEqual(PHONE.width);
    } finally {
      await alice.setViewportSize(DESKTOP);
    }
  });
});

describe("dates in the person's locale", () => {
  const signedInAs = async (email: string, options: Parameters<Browser['newContext']>[0]) => {
    const page = await (await browser.newContext({ baseURL: server.url, viewport: DESKTOP, ...options })).newPage();
    page.setDefaultTimeout(STEP_MS);
    await signIn(page, email);
    return page;
  };

  it('are written by the server in the language the browser asks for, in UTC, without scripts', async () => {
    const page = await signedInAs(aliceEmail, { locale: 'de-DE', javaScriptEnabled: false });
    try {
      // Everything works without scripts: the switcher is a form, the navigation links.
      await page.getByLabel('Active organization').selectOption({ label: 'Northwind' });
      await page.getByRole('button', { name: 'Switch' }).click();
      await page.waitForURL(`**${northwind()}`);
      await page.getByRole('navigation', { name: 'Organization' }).getByRole('link', { name: 'Members' }).click();
      const joined = page.getByRole('row').filter({ hasText: bobEmail }).locator('time');
      const at = new Date((await joined.getAttribute('datetime')) ?? '');
      const german = new Intl.DateTimeFormat('de-DE', { dateStyle: 'medium', timeStyle: 'short', timeZone: 'UTC' });
      await expect(joined.textContent()).resolves.toBe(`${german.format(at)} UTC`);
      await expect(page.locator('button.copy').count()).resolves.toBe(0);
    } finally {
      await page.context().close();
    }
  });

  it('fall back to English when the browser asks only for languages that cannot be used', async () => {
    const answer = await alice.request.get(northwind('members'), {
      headers: { 'accept-language': 'x-!!, 12, en-a1;q=0.5, *' },
    });
    expect(answer.status()).toBe(200);
    const written = /<time datetime="([^"]+)"[^>]*>([^<]+)</.exec(await answer.text());
    const english = new Intl.DateTimeFormat('en-US', { dateStyle: 'medium', timeStyle: 'short', timeZone: 'UTC' });
    expect(written?.[2]).toBe(`${english.format(new Date(written?.[1] ?? ''))} UTC`);
  });

  it("are shown in the browser's own time zone when scripts run, and ids get a copy button", async () => {
    const page = await signedInAs(aliceEmail, { locale: 'fr-FR', timezoneId: 'America/New_York' });
    try {
      await page.context().grantPermissions(['clipboard-read', 'clipboard-write']);
      await page.goto(northwind('members'));
      const row = page.getByRole('row').filter({ hasText: bobEmail });
      const joined = row.locator('time');
      const at = new Date((await joined.getAttribute('datetime')) ?? '');
      const local = new Intl.DateTimeFormat('fr-FR', {
        dateStyle: 'medium',
        timeStyle: 'short',
        timeZone: 'America/New_York',
      });
      await expect(joined.textContent()).resolves.toBe(local.format(at));
      const id = ((await row.locator('code.id').textContent()) ?? '').trim();
      expect(id).toMatch(/^usr_/);
      await row.getByRole('button', { name: `Copy ${id}` }).click();
      await expect(page.evaluate(() => navigator.clipboard.readText())).resolves.toBe(id);
    } finally {
      await page.context().close();
    }
  });
});
