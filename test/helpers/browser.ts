// A headless Chromium for the dashboard's tests (test/integration/dashboard.test.ts), driven by
// playwright-core: Debian's chromium package (.ci/run installs it), never a downloaded browser.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';

/** The browser binary: Debian's, unless BANK_TEST_CHROMIUM names another. */
export const CHROMIUM = process.env.BANK_TEST_CHROMIUM || '/usr/bin/chromium';

/** Flags for a quiet browser that talks to nothing but the page under test. */
const FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** A browser with a fresh profile, removed on close. */
export interface TestBrowser {
  context: BrowserContext;
  /** Opens a page, recording every console error and uncaught exception in errors. */
  open(url: string): Promise<{ page: Page; errors: string[] }>;
  close(): Promise<void>;
}

/** Launches Chromium with a fresh --user-data-dir (a persistent context owns that folder). */
export async function launchBrowser(): Promise<TestBrowser> {
  const profile = mkdtempSync(join(tmpdir(), 'bank-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: FLAGS,
    viewport: { width: 1280, height: 720 },
  });
  const open = async (url: string): Promise<{ page: Page; errors: string[] }> => {
    const page = await context.newPage();
    const errors: string[] = [];
    page.on('console', (message) => {
      if (message.type() === 'error') errors.push(message.text());
    });
    page.on('pageerror', (error) => errors.push(error.message));
    await page.goto(url);
    return { page, errors };
  };
  const close = async (): Promise<void> => {
    await context.close();
    rmSync(profile, { recursive: true, force: true });
  };
  return { context, open, close };
}
