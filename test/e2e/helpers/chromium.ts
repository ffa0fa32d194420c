import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type BrowserContext, chromium, type Page } from 'playwright-core';
import { describe, it } from 'vitest';

/** Debian's Chromium; `.ci/run` installs it (`apt-get install -y chromium`). */
export const CHROMIUM_PATH = process.env.TRAILMARK_CHROMIUM_PATH || '/usr/bin/chromium';

export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--no-first-run',
  '--disable-sync',
];

export const SCREENSHOT_DIR = fileURLToPath(new URL('../../../docs/screenshots/', import.meta.url));

export const chromiumAvailable = existsSync(CHROMIUM_PATH);

/**
 * `describe` for browser suites. Without Chromium they are skipped with a message saying so,
 * except in CI (CI=true), where a missing browser fails the run instead of passing silently.
 */
export function describeInChromium(name: string, suite: () => void): void {
  if (chromiumAvailable) {
    describe(name, suite);
    return;
  }
  const message = `Chromium not found at ${CHROMIUM_PATH}: install it with \`apt-get install -y chromium\``;
  if (process.env.CI) {
    describe(name, () => {
      it('needs Chromium', () => {
        throw new Error(`${message} (CI requires the browser suites to run)`);
      });
    });
    return;
  }
  process.stderr.write(`\n  SKIPPED browser suite "${name}": ${message}\n\n`);
  describe.skip(name, suite);
}

export interface Browser {
  context: BrowserContext;
  page: Page;
  /** Opens another tab in the same profile. */
  newPage(): Promise<Page>;
  close(): Promise<void>;
}

/** Chromium on a fresh profile directory, removed on close. */
export async function launchChromium(viewport = { width: 1366, height: 900 }): Promise<Browser> {
  const profile = mkdtempSync(join(tmpdir(), 'trailmark-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: CHROMIUM_ARGS,
    viewport,
    acceptDownloads: true,
    locale: 'en-GB',
    timezoneId: 'Europe/Berlin',
  });
  const page = context.pages()[0] ?? (await context.newPage());
  return {
    context,
    page,
    newPage: () => context.newPage(),
    async close() {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

/**
 * A full-width screenshot of the page for docs/screenshots/ (shown in the README), taken only
 * with UPDATE_SCREENSHOTS=1, so that running the suites leaves the checkout as it was.
 */
export async function screenshot(
  page: Page,
  name: string,
  options: { fullPage?: boolean } = {},
): Promise<void> {
  if (process.env.UPDATE_SCREENSHOTS !== '1') return;
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  await page.screenshot({ path: join(SCREENSHOT_DIR, `${name}.png`), fullPage: options.fullPage ?? false });
}
