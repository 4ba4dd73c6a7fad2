import { existsSync } from 'node:fs';
import { type Browser, chromium, type Page } from 'playwright-core';

export const CHROMIUM = '/usr/bin/chromium';

/** Debian's Chromium, headless, with no background traffic (the machine has no outside network). */
export async function launchBrowser(): Promise<Browser & { cleanup(): Promise<void> }> {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: scripts/setup.sh installs Debian's chromium`);
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
  return Object.assign(browser, {
    // Playwright gives every launch a fresh temporary profile and removes it on close.
    cleanup: () => browser.close(),
  });
}

/**
 * Serves the client's redirect URI inside the browser and resolves with the URL the
 * authorization server redirected to (code or error), as a real client's callback would see it,
 * once the page shows it: a navigation the test starts next would otherwise be cut short by this one.
 */
export function captureCallback(page: Page, redirectUri: string): Promise<URL> {
  return new Promise((resolve) => {
    void page.route(`${redirectUri}**`, async (route) => {
      const url = new URL(route.request().url());
      await route.fulfill({ status: 200, contentType: 'text/plain', body: 'callback received' });
      await page.waitForURL((shown) => shown.href.startsWith(redirectUri)).catch(() => undefined);
      resolve(url);
    });
  });
}
