import { mkdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { expect } from 'vitest';
import { repoRoot } from '../../src/stores/local/index.js';

const axeSource = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');
export const SCREENSHOTS = join(repoRoot, 'test-results', 'screenshots');

export const DESKTOP = { width: 1280, height: 800 };
export const PHONE = { width: 390, height: 844 };

/** A person at their own browser window (own cookies), at desktop width. */
export async function personAt(browser: Browser, baseURL: string): Promise<Page> {
  const context = await browser.newContext({ baseURL, viewport: DESKTOP });
  const page = await context.newPage();
  // A step that cannot happen fails with its own message well before the test's time runs out.
  page.setDefaultTimeout(8000);
  return page;
}

/** Fills and submits the console's sign-up form. */
export async function signUpInConsole(page: Page, person: { name: string; email: string; password: string }) {
  await page.getByLabel('Name').fill(person.name);
  await page.getByLabel('Email').fill(person.email);
  await page.getByLabel('Password', { exact: true }).fill(person.password);
  await page.getByLabel('Confirm password').fill(person.password);
  await page.getByRole('button', { name: 'Create account' }).click();
}

interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  nodes: Array<{ target: string[] }>;
}

/**
 * Runs axe-core inside the page (through the debugging protocol, so the page's strict CSP stays
 * on) and fails on serious or critical violations, listing them.
 */
export async function expectAccessible(page: Page): Promise<void> {
  await page.evaluate(axeSource);
  const violations = await page.evaluate(async () => {
    const axe = (globalThis as unknown as { axe: { run(): Promise<{ violations: AxeViolation[] }> } }).axe;
    const result = await axe.run();
    return result.violations.map((v) => ({
      id: v.id,
      impact: v.impact,
      help: v.help,
      nodes: v.nodes.map((n) => n.target),
    }));
  });
  const serious = violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  if (serious.length) process.stderr.write(`axe: ${page.url()}\n${JSON.stringify(serious, null, 1)}\n`);
  expect(serious, `${page.url()}: ${JSON.stringify(serious, null, 1)}`).toEqual([]);
}

/** Saves the page at desktop and phone width (test-results/screenshots, git-ignored). */
export async function screenshots(page: Page, name: string): Promise<void> {
  mkdirSync(SCREENSHOTS, { recursive: true });
  const before = page.viewportSize() ?? DESKTOP;
  for (const [label, size] of [
    ['desktop', DESKTOP],
    ['phone', PHONE],
  ] as const) {
    await page.setViewportSize(size);
    await page.screenshot({ path: join(SCREENSHOTS, `${name}-${label}.png`), fullPage: true });
  }
  await page.setViewportSize(before);
}

/** A main page: checked for accessibility and photographed at both widths. */
export async function inspectPage(page: Page, name: string): Promise<void> {
  await expectAccessible(page);
  await screenshots(page, name);
}

/**
 * Posts the console's sign-in form the way a browser does (visitor cookie, CSRF token, form body),
 * without following the redirect; returns the answer and the cookies it set.
 */
export async function consoleSignIn(baseUrl: string, email: string, password: string) {
  const page = await fetch(`${baseUrl}/console/signin`, { headers: { accept: 'text/html' } });
  const cookie = page.headers
    .getSetCookie()
    .map((c) => c.split(';')[0])
    .join('; ');
  const csrf = /name="csrf" value="([^"]+)"/.exec(await page.text())?.[1] ?? '';
  const answer = await fetch(`${baseUrl}/console/signin`, {
    method: 'POST',
    redirect: 'manual',
    headers: { cookie, 'content-type': 'application/x-www-form-urlencoded', accept: 'text/html' },
    body: new URLSearchParams({ csrf, email, password }).toString(),
  });
  return {
    status: answer.status,
    retryAfter: Number(answer.headers.get('retry-after') ?? 0),
    cookies: answer.headers.getSetCookie(),
    html: await answer.text(),
  };
}
