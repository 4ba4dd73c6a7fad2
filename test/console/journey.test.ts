import * as client from 'openid-client';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listTeams } from '../../src/teams/service.js';
import { setPlatformAdmin } from '../../src/users/service.js';
import { launchBrowser } from '../support/browser.js';
import { inspectPage, personAt, signUpInConsole } from '../support/console.js';
import { TEST_PASSWORD, uniqueEmail } from '../support/factories.js';
import {
  authorizeInBrowser,
  createClient,
  relyingParty,
  startAuthorization,
  startOidcServer,
} from '../support/oauth.js';

/**
 * The console as people use it, in Chromium: Alice signs up and runs a company organization, Bob
 * is invited and joins, they switch organizations, use an API key, move credits, disconnect an
 * app, and Alice, as platform admin, deletes the organization while its team survives.
 */
let server: Awaited<ReturnType<typeof startOidcServer>>;
let browser: Browser & { cleanup(): Promise<void> };
let alice: Page;
let bob: Page;
const aliceEmail = uniqueEmail('alice');
const bobEmail = uniqueEmail('bob');
let acmeId = '';
let bobKey = '';

const orgIdIn = (url: string) => /\/console\/orgs\/(org_[^/?]+)/.exec(url)?.[1] ?? '';

beforeAll(async () => {
  server = await startOidcServer();
  browser = await launchBrowser();
  alice = await personAt(browser, server.url);
  bob = await personAt(browser, server.url);
});
afterAll(async () => {
  await browser?.cleanup();
  await server?.close();
});

describe('the console', () => {
  it('signs a person up into their personal organization', async () => {
    await alice.goto('/console');
    await expect(alice.getByRole('heading', { name: 'Sign in' }).isVisible()).resolves.toBe(true);
    await inspectPage(alice, 'sign-in');
    await alice.getByRole('link', { name: 'Create an account' }).click();
    // A bad form comes back with the message next to the field and what was typed.
    await signUpInConsole(alice, { name: 'Alice Example', email: 'not-an-email', password: TEST_PASSWORD });
    await expect(alice.locator('#signup-email-error').textContent()).resolves.toContain('Email is not a valid email');
    await expect(alice.getByLabel('Name').inputValue()).resolves.toBe('Alice Example');
    await inspectPage(alice, 'sign-up-with-errors');
    await signUpInConsole(alice, { name: 'Alice Example', email: aliceEmail, password: TEST_PASSWORD });
    await alice.waitForURL(/\/console\/orgs\/org_/);
    await expect(alice.getByLabel('Active organization').locator('option:checked').textContent()).resolves.toMatch(
      /^Alice Example.* \(personal\)$/,
    );
    await expect(alice.getByTestId('balance').textContent()).resolves.toBe('0');
    await alice.getByRole('link', { name: 'Alice Example', exact: true }).click();
    await expect(alice.getByRole('heading', { name: 'Your account' }).isVisible()).resolves.toBe(true);
    await inspectPage(alice, 'account');
  });

  it('creates a company organization and shows it as the active one', async () => {
    await alice.getByRole('link', { name: 'New organization' }).click();
    await alice.getByLabel('Name').fill('Acme Robotics');
    await alice.getByLabel('Description (optional)').fill('Robots for everyone');
    await alice.getByRole('button', { name: 'Create organization' }).click();
    await alice.waitForURL(/\/console\/orgs\/org_/);
    acmeId = orgIdIn(alice.url());
    expect(acmeId).not.toBe('');
    await expect(alice.getByLabel('Active organization').locator('option:checked').textContent()).resolves.toBe(
      'Acme Robotics',
    );
    await expect(alice.getByTestId('members-count').textContent()).resolves.toBe('1');
    await inspectPage(alice, 'overview');
  });

  it('invites a second person, who signs up from the link and joins', async () => {
    await alice.getByRole('navigation', { name: 'Organization' }).getByRole('link', { name: 'Members' }).click();
    await alice.getByLabel('Email').fill(bobEmail);
    await alice.getByLabel('Role').selectOption('member');
    await alice.getByRole('button', { name: 'Invite' }).click();
    const link = (await alice.locator('#invitation-link').textContent())?.trim() ?? '';
    expect(link).toContain('/console/invitations/accept?token=inv_');
    await inspectPage(alice, 'members');

    // The link names the organization and the role before anyone signs in, and sign-up starts with the
    // invited email; back on the invitation, joining is one button (no code to copy).
    await bob.goto(link);
    await bob.getByRole('heading', { name: 'Join Acme Robotics' }).waitFor();
    expect(await bob.locator('main').textContent()).toContain('as member');
    await bob.getByRole('link', { name: 'Create an account' }).click();
    await expect(bob.getByLabel('Email').inputValue()).resolves.toBe(bobEmail);
    await signUpInConsole(bob, { name: 'Bob Example', email: bobEmail, password: TEST_PASSWORD });
    await bob.waitForURL(/\/console\/invitations\/accept/);
    await expect(bob.getByLabel('Invitation code').count()).resolves.toBe(0);
    await bob.getByRole('button', { name: 'Join Acme Robotics' }).click();
    await bob.waitForURL(`**/console/orgs/${acmeId}`);
    await expect(bob.getByRole('status').textContent()).resolves.toContain('You joined the organization');
    await expect(bob.getByTestId('members-count').textContent()).resolves.toBe('2');

    await alice.reload();
    await expect(alice.getByRole('cell', { name: bobEmail, exact: true }).isVisible()).resolves.toBe(true);
  });

  it('marks the current section in the organization navigation', async () => {
    await bob.goto(`/console/orgs/${acmeId}/api-keys`);
    const current = bob.getByRole('navigation', { name: 'Organization' }).locator('a[aria-current="page"]');
    expect(await current.allTextContents()).toEqual(['API keys']);
  });

  it('switches the active organization with the switcher', async () => {
    await bob.goto(`/console/orgs/${acmeId}/api-keys`);
    const personal = bob.getByLabel('Active organization').locator('option', { hasText: '(personal)' });
    await bob.getByLabel('Active organization').selectOption((await personal.getAttribute('value')) ?? '');
    await bob.getByRole('button', { name: 'Switch' }).click();
    await bob.waitForURL(/\/api-keys$/);
    const personalId = orgIdIn(bob.url());
    expect(personalId).not.toBe(acmeId);
    await expect(bob.getByText(/Your keys act for you in Bob Example/).isVisible()).resolves.toBe(true);
    // The console comes back to the organization last used.
    await bob.goto('/console');
    await bob.waitForURL(`**/console/orgs/${personalId}`);
    await bob.getByLabel('Active organization').selectOption({ label: 'Acme Robotics' });
    await bob.getByRole('button', { name: 'Switch' }).click();
    await bob.waitForURL(`**/console/orgs/${acmeId}`);
  });

  it('creates an API key shown once, which works for its organization only', async () => {
    await bob.getByRole('navigation', { name: 'Organization' }).getByRole('link', { name: 'API keys' }).click();
    await bob.getByLabel('Name').fill('laptop');
    await bob.getByRole('button', { name: 'Create key' }).click();
    bobKey = (await bob.locator('#new-key').textContent())?.trim() ?? '';
    expect(bobKey).toMatch(/^oa_live_/);
    await inspectPage(bob, 'api-keys');
    await bob.goto(`/console/orgs/${acmeId}/api-keys`);
    await expect(bob.locator('#new-key').count()).resolves.toBe(0);
    await expect(bob.getByRole('cell', { name: 'laptop', exact: true }).isVisible()).resolves.toBe(true);
    await expect(bob.content()).resolves.not.toContain(bobKey);

    const asBob = (path: string) =>
      fetch(`${server.url}/api/v1${path}`, { headers: { authorization: `Bearer ${bobKey}` } });
    const credits = await asBob(`/orgs/${acmeId}/credits`);
    expect(credits.status).toBe(200);
    expect(((await credits.json()) as { orgId: string }).orgId).toBe(acmeId);
    const me = await server.stores.db.users.findOne({ email: bobEmail }).lean();
    expect((await asBob(`/orgs/${me?.personalOrgId}/credits`)).status).toBe(403);
  });

  it('adds and deducts credits and shows the transactions', async () => {
    await alice.goto(`/console/orgs/${acmeId}/transactions`);
    await alice.getByRole('region', { name: 'Add credits' }).getByLabel('Amount').fill('500');
    await alice.getByRole('region', { name: 'Add credits' }).getByLabel('Description').fill('Initial purchase');
    await alice.getByRole('button', { name: 'Add credits' }).click();
    await expect(alice.getByRole('status').textContent()).resolves.toContain('Credits were added');

    const deduct = alice.getByRole('region', { name: 'Deduct credits' });
    await deduct.getByLabel('Amount').fill('twelve');
    await deduct.getByLabel('Reason').fill('Manual correction');
    await alice.getByRole('button', { name: 'Deduct credits' }).click();
    await expect(alice.locator('#deduct-amount-error').isVisible()).resolves.toBe(true);
    await expect(deduct.getByLabel('Reason').inputValue()).resolves.toBe('Manual correction');
    await deduct.getByLabel('Amount').fill('120');
    await alice.getByRole('button', { name: 'Deduct credits' }).click();
    await expect(alice.getByRole('status').textContent()).resolves.toContain('Credits were deducted');

    await expect(alice.getByTestId('balance').textContent()).resolves.toBe('380');
    const rows = alice.getByRole('table', { name: 'Transactions, newest first' }).locator('tbody tr');
    await expect(rows.count()).resolves.toBe(2);
    await expect(rows.first().textContent()).resolves.toContain('Manual correction');
    await alice.getByLabel('Kind').selectOption('credit');
    await alice.getByRole('button', { name: 'Filter' }).click();
    await expect(rows.count()).resolves.toBe(1);
    await expect(rows.first().textContent()).resolves.toContain('Initial purchase');
    await inspectPage(alice, 'transactions');

    // Bob, a member, sees the balance but neither the log nor the buttons.
    await bob.goto(`/console/orgs/${acmeId}/transactions`);
    await expect(bob.getByTestId('balance').textContent()).resolves.toBe('380');
    await expect(bob.getByRole('button', { name: 'Add credits' }).count()).resolves.toBe(0);
  });

  it('disconnects an app a member authorized, and its refresh token stops working', async () => {
    const redirectUri = 'http://127.0.0.1:9/callback';
    const { client_id } = await createClient(server.stores, server.config, {
      name: 'Robot CLI',
      redirectUris: [redirectUri],
      public: true,
    });
    const rp = await relyingParty(server.issuer, client_id);
    const { url, checks } = await startAuthorization(rp, {
      redirectUri,
      scope: 'openid offline_access',
      extra: { prompt: 'consent' },
    });
    const callback = await authorizeInBrowser(bob, url, redirectUri, {
      email: bobEmail,
      password: TEST_PASSWORD,
      organizationName: 'Acme Robotics',
    });
    const tokens = await client.authorizationCodeGrant(rp, callback, checks);
    expect(tokens.refresh_token).toBeTruthy();

    await alice.goto(`/console/orgs/${acmeId}/apps`);
    const row = alice.getByRole('row').filter({ hasText: 'Robot CLI' });
    await expect(row.isVisible()).resolves.toBe(true);
    await inspectPage(alice, 'apps');
    // A destructive action asks first, on a page of its own (no script needed); Cancel changes nothing.
    await row.getByRole('button', { name: 'Revoke Robot CLI' }).click();
    await alice.getByRole('heading', { name: 'Disconnect this app?' }).waitFor();
    expect(await alice.locator('main').textContent()).toContain('Robot CLI loses access at once');
    await alice.getByRole('link', { name: 'Cancel' }).click();
    await expect(alice.getByRole('row').filter({ hasText: 'Robot CLI' }).count()).resolves.toBe(1);
    await alice
      .getByRole('row')
      .filter({ hasText: 'Robot CLI' })
      .getByRole('button', { name: 'Revoke Robot CLI' })
      .click();
    await alice.getByRole('button', { name: 'Disconnect app' }).click();
    await expect(alice.getByRole('status').textContent()).resolves.toContain('disconnected');
    await expect(alice.getByRole('row').filter({ hasText: 'Robot CLI' }).count()).resolves.toBe(0);
    await expect(client.refreshTokenGrant(rp, tokens.refresh_token ?? '')).rejects.toThrow();
  });

  it('fits a phone: a two-line header, key prefixes on one line', async () => {
    await bob.setViewportSize({ width: 390, height: 844 });
    try {
      await bob.goto(`/console/orgs/${acmeId}/api-keys`);
      const header = await bob.locator('header.topbar').boundingBox();
      expect(header?.height ?? 0).toBeLessThan(100);
      const keyCell = bob.getByRole('table').locator('td code').first();
      const lineHeight = await keyCell.evaluate((el) => Number.parseFloat(getComputedStyle(el).lineHeight) || 20);
      expect((await keyCell.boundingBox())?.height ?? 0).toBeLessThan(lineHeight * 1.5);
    } finally {
      await bob.setViewportSize({ width: 1280, height: 800 });
    }
  });

  it('shows the audit log', async () => {
    await alice.goto(`/console/orgs/${acmeId}/audit`);
    const text = await alice.getByRole('table', { name: 'Audit log, newest first' }).textContent();
    for (const action of [
      'invitation.created',
      'member.joined',
      'api_key.created',
      'credits.added',
      'credits.deducted',
      'grant.revoked',
    ])
      expect(text).toContain(action);
    // People and keys by name, ids beside them.
    expect(text).toContain('Bob Example');
    expect(text).toContain('key “laptop” of Bob Example');
    expect(text).toMatch(/usr_[A-Za-z0-9_-]+/);
    await inspectPage(alice, 'audit');
  });

  it('says what teams are for, and offers the first one, when there are none', async () => {
    await alice.goto(`/console/orgs/${acmeId}/teams`);
    const main = (await alice.locator('main').textContent()) ?? '';
    expect(main).toContain('team keys');
    expect(main).toContain('No teams yet. Create one below');
    expect(main).not.toContain('Every team already belongs');
    await alice.getByLabel('Team name').waitFor();
  });

  it('lets a platform admin list organizations, and deleting one keeps its team', async () => {
    await setPlatformAdmin(server.stores.db, aliceEmail, true);
    await alice.goto(`/console/orgs/${acmeId}/teams`);
    // In an organization of her own she is shown as its owner, and as a platform admin.
    const orgBar = (await alice.locator('.org-name').textContent()) ?? '';
    expect(orgBar).toContain('Your role: owner');
    expect(orgBar).toContain('Platform admin');
    expect(orgBar).not.toContain('platform admin view');
    await alice.getByLabel('Team name').fill('Robot Builders');
    await alice.getByRole('button', { name: 'Create team' }).click();
    await expect(alice.getByRole('cell', { name: 'Robot Builders', exact: true }).isVisible()).resolves.toBe(true);
    await inspectPage(alice, 'teams');

    await alice.getByRole('link', { name: 'Admin' }).click();
    const acmeRow = alice.getByRole('row').filter({ hasText: 'Acme Robotics' });
    await expect(acmeRow.textContent()).resolves.toContain('Robots for everyone');
    await expect(acmeRow.locator('td.num').textContent()).resolves.toBe('1');
    await inspectPage(alice, 'admin-organizations');
    await acmeRow.getByRole('button', { name: 'View' }).click();
    await alice.waitForURL(new RegExp(`/console/orgs/${acmeId}\\??$`));

    await alice.getByRole('link', { name: 'Configuration' }).click();
    await inspectPage(alice, 'configuration');
    await alice.getByLabel('Type the organization name to confirm').fill('Acme');
    await alice.getByRole('button', { name: 'Delete organization' }).click();
    await expect(alice.locator('#delete-confirmName-error').isVisible()).resolves.toBe(true);
    await alice.getByLabel('Type the organization name to confirm').fill('Acme Robotics');
    await alice.getByRole('button', { name: 'Delete organization' }).click();
    await alice.waitForURL('**/console/admin/organizations');
    await expect(alice.getByRole('row').filter({ hasText: 'Acme Robotics' }).count()).resolves.toBe(0);

    const orphans = await listTeams(server.stores.db, { orgId: null }, { limit: 100 });
    expect(orphans.items.map((t) => t.name)).toContain('Robot Builders');
    // The team survives, without an organization: a platform admin can assign it elsewhere.
    await alice.getByRole('link', { name: 'Alice Example', exact: true }).waitFor();
    const personalId = (await server.stores.db.users.findOne({ email: aliceEmail }).lean())?.personalOrgId;
    await alice.goto(`/console/orgs/${personalId}/teams`);
    const assign = alice.getByLabel('Team without an organization');
    await assign.selectOption({ label: 'Robot Builders' });
    await alice.getByRole('button', { name: 'Assign team' }).click();
    await expect(alice.getByRole('cell', { name: 'Robot Builders', exact: true }).isVisible()).resolves.toBe(true);
    // Bob's key of the deleted organization stops working.
    const answer = await fetch(`${server.url}/api/v1/orgs/${acmeId}/credits`, {
      headers: { authorization: `Bearer ${bobKey}` },
    });
    expect(answer.status).toBe(401);
  });
});
