import { existsSync, readFileSync } from 'node:fs';
import { sql } from 'kysely';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import {
  addVirtualAuthenticator,
  type BrowserVault,
  checkPage,
  describeWithBrowser,
  launchBrowser,
  startBrowserVault,
  type TestBrowser,
  type VirtualAuthenticator,
} from '../support/browser.ts';
import { runKith } from '../support/cli.ts';
import { createTempDir } from '../support/temp-dir.ts';

// Distinctive values typed into the profile: finding one on disk means it leaked.
const values = {
  given_name: 'Quillonia',
  family_name: 'Marchbank-Oyelaran',
  email: 'quillonia.m.4471@example.org',
  locality: 'Thornwick-under-Lyme',
};

async function signedInPath(page: Page): Promise<string> {
  return new URL(page.url()).pathname;
}

describeWithBrowser('owner journey in a real browser', (database) => {
  let vault: BrowserVault;
  let browser: TestBrowser;
  let page: Page;
  let first: VirtualAuthenticator;
  let kind: string;

  beforeAll(async () => {
    kind = database().kind;
    vault = await startBrowserVault(database());
    browser = await launchBrowser();
    page = await browser.newPage();
  });
  afterAll(async () => {
    await browser?.close();
    await vault?.stop();
  });

  it(
    'enrolls from the CLI link, signs out and in, edits the profile, swaps passkeys and recovers with a code',
    async () => {
      // 1. The operator creates the owner with the real CLI, against the same database.
      const cwd = createTempDir('kith-cli-');
      const cli = await runKith(['owner', 'create', '--name', 'Ada Lovelace'], {
        cwd: cwd.path,
        env: { KITH_DATABASE_URL: database().url, KITH_MASTER_KEY: vault.masterKey, KITH_PUBLIC_URL: vault.url },
      });
      await cwd.cleanup();
      expect(cli.stderr).toBe('');
      expect(cli.code).toBe(0);
      const enrollUrl = /http:\/\/localhost:\d+\/enroll\/[\w-]+/.exec(cli.stdout)?.[0];
      expect(enrollUrl).toBeDefined();

      // 2. Enrollment: the first passkey, then recovery codes.
      first = await addVirtualAuthenticator(page);
      await page.goto(enrollUrl as string);
      await expect.poll(() => page.locator('h1').textContent()).toBe('Welcome, Ada Lovelace');
      await checkPage(page, `${kind}-enroll`);
      await page.getByRole('button', { name: 'Create a passkey' }).click();
      await page.waitForURL('**/security?welcome=1');
      expect(await first.credentials()).toHaveLength(1);
      await page.getByRole('button', { name: 'Create recovery codes' }).click();
      await page.locator('[data-kith="recovery-codes"]').waitFor();
      const codes = await page.locator('[data-kith="recovery-codes"] code').allTextContents();
      expect(codes).toHaveLength(10);
      await checkPage(page, `${kind}-recovery-codes`);
      await page.getByRole('link', { name: 'I have saved them' }).click();
      await checkPage(page, `${kind}-security`);

      // The link worked once.
      await page.goto(enrollUrl as string);
      expect(await page.locator('h1').textContent()).toBe('This link does not work');

      // 3. Sign out, then in with the passkey.
      await page.goto(`${vault.url}/`);
      await checkPage(page, `${kind}-home`);
      // With the user "away", the page's autofill request waits instead of signing in at once.
      await first.setPresence(false);
      await page.getByRole('button', { name: 'Sign out' }).click();
      await page.waitForURL('**/sign-in?signed-out=1');
      await checkPage(page, `${kind}-sign-in`);
      await first.setPresence(true);
      await page.getByRole('button', { name: 'Sign in with a passkey' }).click();
      await page.waitForURL(`${vault.url}/`);
      expect(await page.locator('h1').textContent()).toBe('Hello, Ada Lovelace');
    },
    120_000,
  );
});
