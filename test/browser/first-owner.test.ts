import { afterAll, beforeAll, expect, it } from 'vitest';
import { issueFirstOwnerEnrollment } from '../../server/src/owners/enrollment.service.ts';
import {
  addVirtualAuthenticator,
  type BrowserVault,
  checkPage,
  describeWithBrowser,
  launchBrowser,
  startBrowserVault,
  type TestBrowser,
} from '../support/browser.ts';

describeWithBrowser('the first owner of a new vault', (database) => {
  let vault: BrowserVault;
  let browser: TestBrowser;

  beforeAll(async () => {
    vault = await startBrowserVault(database());
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    await vault?.stop();
  });

  it('names themselves while enrolling from the link kith serve prints', async () => {
    const deps = { db: vault.vault.db, keys: vault.vault.keys, clock: vault.clock, config: vault.config };
    const enrollment = await issueFirstOwnerEnrollment(deps);
    if (!enrollment) throw new Error('an empty vault should offer a first-owner link');
    const page = await browser.newPage();
    await addVirtualAuthenticator(page);
    await page.goto(enrollment.url);
    expect(await page.locator('h1').textContent()).toBe('Welcome to Kith');
    await checkPage(page, `${database().kind}-enroll-first-owner`);
    // No name, no passkey: the page says so and stays.
    await page.getByRole('button', { name: 'Create a passkey' }).click();
    await page.getByText('Please enter your name first.').waitFor();
    await page.fill('#owner-name', 'Katherine Johnson');
    await page.getByRole('button', { name: 'Create a passkey' }).click();
    await page.waitForURL('**/security?welcome=1');
    await page.goto(`${vault.url}/`);
    expect(await page.locator('h1').textContent()).toBe('Hello, Katherine Johnson');
    // Once an owner exists, no further first-owner link is offered.
    expect(await issueFirstOwnerEnrollment(deps)).toBeUndefined();
  });
});
