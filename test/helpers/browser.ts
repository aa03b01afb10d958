/**
 * Debian's Chromium driven by playwright-core, for the dashboard's browser tests and the README's
 * screenshots. No browser is downloaded: without /usr/bin/chromium (or S3BATCH_CHROMIUM) the tests
 * are skipped — except with CI=true, where a missing browser fails the run (.ci/run installs it).
 */
import { existsSync } from 'node:fs';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';

export const CHROMIUM = process.env.S3BATCH_CHROMIUM ?? '/usr/bin/chromium';

/** Whether the browser tests run here; throws under CI when the browser is missing. */
export function browserAvailable(): boolean {
  if (existsSync(CHROMIUM)) return true;
  if (process.env.CI === 'true') throw new Error(`the dashboard's browser tests need Chromium at ${CHROMIUM} (apt-get install chromium), and CI=true forbids skipping them`);
  return false;
}

export interface LaunchedBrowser {
  readonly browser: Browser;
  close(): Promise<void>;
}

export async function launchBrowser(): Promise<LaunchedBrowser> {
  // playwright-core gives the browser a fresh profile (--user-data-dir) of its own in a temp dir,
  // removed at close: no state of an earlier run (cookies, cache) leaks into a test.
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
  });
  return { browser, close: () => browser.close() };
}

export interface TestPage {
  readonly context: BrowserContext;
  readonly page: Page;
  /** Console errors (but failed requests) and page errors seen so far: a CSP violation shows up here. */
  readonly errors: string[];
  /** Requests the page made to anywhere but the server. */
  readonly foreign: string[];
}

export async function newPage(browser: Browser, serverUrl: string, viewport = { width: 1280, height: 800 }): Promise<TestPage> {
  const context = await browser.newContext({ viewport });
  // Shorter than the test's own timeout, so that a wait that fails says what it waited for.
  context.setDefaultTimeout(10_000);
  const page = await context.newPage();
  const errors: string[] = [];
  const foreign: string[] = [];
  page.on('console', (m) => {
    // (The browser logs every 4xx answer, the 401 of "who am I?" before sign-in included: those
    // are the tests' to check. A blocked script or style, a CSP violation, stays an error.)
    if (m.type() === 'error' && !m.text().startsWith('Failed to load resource')) errors.push(m.text());
  });
  page.on('pageerror', (e) => errors.push(String(e)));
  page.on('request', (r) => {
    const url = r.url();
    if (!url.startsWith(serverUrl) && !url.startsWith('data:')) foreign.push(url);
  });
  return { context, page, errors, foreign };
}

/** Signs in through the form. */
export async function signIn(page: Page, serverUrl: string, account: { accessKeyId: string; secretAccessKey: string }): Promise<void> {
  await page.goto(`${serverUrl}/`);
  await page.getByLabel('Access key ID').fill(account.accessKeyId);
  await page.getByLabel('Secret access key').fill(account.secretAccessKey);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('heading', { name: 'Jobs', level: 1 }).waitFor();
}
