import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import type { Download, Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import {
  addVirtualAuthenticator,
  type BrowserVault,
  checkPage,
  describeWithBrowser,
  enrollOwnerInBrowser,
  launchBrowser,
  startBrowserVault,
  type TestBrowser,
  type VirtualAuthenticator,
} from '../support/browser.ts';
import { startTestVendor, type TestVendor } from '../support/vendor.ts';

// A browser, a vault and a vendor on two cores: generous, since a slow machine is not a failure.
const BROWSER_TEST_MS = 120_000;

/** The text of `<main>`, spaces folded. */
async function mainText(page: Page): Promise<string> {
  return ((await page.locator('main').textContent()) ?? '').replace(/\s+/g, ' ');
}

/** Clicks `link` and returns the file the browser saved, as text. */
async function downloadFrom(page: Page, link: string): Promise<{ name: string; text: string }> {
  const [download] = (await Promise.all([
    page.waitForEvent('download'),
    page.getByRole('link', { name: link }).click(),
  ])) as [Download, unknown];
  expect(await download.failure()).toBeNull();
  return { name: download.suggestedFilename(), text: await readFile(await download.path(), 'utf8') };
}

/** Whether an element lies wholly inside the viewport, where the person is looking (to a pixel: scrolling rounds). */
async function inView(page: Page, selector: string): Promise<boolean> {
  const box = await page.locator(selector).boundingBox();
  const viewport = page.viewportSize();
  if (!box || !viewport) return false;
  return box.y >= -1 && box.y + box.height <= viewport.height + 1;
}

/** How each WebAuthn request of the page ended, in order, as recorded by {@link watchPasskeyRequests}. */
type PasskeyRequest = { mediation: string; outcome: string };

/**
 * Records how each `navigator.credentials.get` call of the page ends, without changing it: the
 * sign-in page's autofill offer ends unseen, and a test must know it did end before it can say
 * that nothing was shown for it.
 */
async function watchPasskeyRequests(page: Page): Promise<() => Promise<PasskeyRequest[]>> {
  await page.addInitScript(() => {
    const seen: PasskeyRequest[] = [];
    (window as unknown as { kithPasskeyRequests: PasskeyRequest[] }).kithPasskeyRequests = seen;
    const get = navigator.credentials.get.bind(navigator.credentials);
    navigator.credentials.get = (options) => {
      const entry = { mediation: options?.mediation ?? 'optional', outcome: 'pending' };
      seen.push(entry);
      return get(options).then(
        (credential) => {
          entry.outcome = 'ok';
          return credential;
        },
        (error: unknown) => {
          entry.outcome = (error as Error)?.name ?? 'error';
          throw error;
        },
      );
    };
  });
  return () =>
    page.evaluate(() => (window as unknown as { kithPasskeyRequests: PasskeyRequest[] }).kithPasskeyRequests);
}

describeWithBrowser('how an owner gets in: recovery codes, and sign-in from an approval link', (database) => {
  let vault: BrowserVault;
  let shop: TestVendor;
  let browser: TestBrowser;
  let page: Page;
  let authenticator: VirtualAuthenticator;
  let kind: string;

  beforeAll(async () => {
    kind = database().kind;
    // The clock stands at 1 March 2026, 09:00 UTC: 18:00 in Tokyo.
    vault = await startBrowserVault(database());
    shop = await startTestVendor({ vault, name: 'Corner Shop' });
    browser = await launchBrowser();
    page = await browser.newPage();
    authenticator = await enrollOwnerInBrowser(page, vault, {
      name: 'Hana Sato',
      profile: { email: 'hana@example.jp', zoneinfo: 'Asia/Tokyo' },
    });
  }, BROWSER_TEST_MS);
  afterAll(async () => {
    await browser?.close();
    await shop?.stop();
    await vault?.stop();
  }, BROWSER_TEST_MS);

  it(
    'copies and downloads the recovery codes on a phone, and says so beside the buttons',
    async () => {
      await page.setViewportSize({ width: 390, height: 844 });
      await page.getByRole('button', { name: 'Create recovery codes' }).click();
      await page.locator('[data-kith="recovery-codes"]').waitFor();
      const codes = await page.locator('[data-kith="recovery-codes"] code').allTextContents();
      expect(codes).toHaveLength(10);
      // The times on the page are in her zone.
      expect(await mainText(page)).toContain('Signed in 1 Mar 2026, 18:00 Tokyo time');
      expect(await mainText(page)).not.toContain('UTC');

      // Copy: the clipboard holds exactly the codes, and the answer shows where she tapped.
      const said = '[data-kith-copy-status="recovery-codes"]';
      await page.getByRole('button', { name: 'Copy' }).click();
      await expect.poll(() => page.locator(said).textContent()).toContain('Copied');
      expect(await inView(page, said)).toBe(true);
      await browser.context.grantPermissions(['clipboard-read'], { origin: vault.url });
      expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(codes.join('\n'));
      await checkPage(page, `${kind}-entry-recovery-codes-copied`);

      // A browser that refuses the clipboard: she is told so, and pointed to the file.
      await authenticator.cdp.send('Browser.setPermission', {
        permission: { name: 'clipboard-write' },
        setting: 'denied',
        origin: vault.url,
      });
      await page.getByRole('button', { name: 'Copy' }).click();
      await expect.poll(() => page.locator(said).textContent()).toContain('download them as a file instead');
      expect(await page.locator(said).getAttribute('role')).toBe('alert');
      expect(await inView(page, said)).toBe(true);
      await browser.context.clearPermissions();

      // Download: a text file holding the same codes, one a line.
      const file = await downloadFrom(page, 'Download as a file');
      expect(file.name).toBe('kith-recovery-codes.txt');
      expect(file.text.trim().split('\n').slice(-10)).toEqual(codes);
      await page.setViewportSize({ width: 1280, height: 900 });
    },
    BROWSER_TEST_MS,
  );

  it(
    'without JavaScript, hides the Copy button that cannot work and still downloads the codes',
    async () => {
      const noScript = await launchBrowser({ javaScriptEnabled: false });
      try {
        await noScript.context.addCookies(await page.context().cookies(vault.url));
        const plain = await noScript.newPage();
        await plain.goto(`${vault.url}/security`);
        await plain.getByRole('button', { name: /^(Create|Replace my) recovery codes$/ }).click();
        await plain.locator('[data-kith="recovery-codes"]').waitFor();
        const codes = await plain.locator('[data-kith="recovery-codes"] code').allTextContents();
        expect(codes).toHaveLength(10);
        expect(await plain.locator('[data-kith-copy="recovery-codes"]').isVisible()).toBe(false);
        const file = await downloadFrom(plain, 'Download as a file');
        expect(file.text.trim().split('\n').slice(-10)).toEqual(codes);
      } finally {
        await noScript.close();
      }
    },
    BROWSER_TEST_MS,
  );

  it(
    'says what signing in is for when she comes from an approval link, and shows no error before she tries',
    async () => {
      const passkeyRequests = await watchPasskeyRequests(page);
      // With the user "away", the sign-in page's autofill offer waits instead of signing in at once.
      await authenticator.setPresence(false);
      await page.goto(`${vault.url}/`);
      await page.getByRole('button', { name: 'Sign out' }).click();
      await page.waitForURL('**/sign-in?signed-out=1');

      // An authenticator that cannot verify her makes Chromium end its autofill offer with
      // NotAllowedError, as an offer that timed out or was dismissed ends: that is no attempt of hers.
      const verified = (isUserVerified: boolean) =>
        authenticator.cdp.send('WebAuthn.setUserVerified', {
          authenticatorId: authenticator.id,
          isUserVerified,
        });
      await verified(false);
      await authenticator.setPresence(true);
      const request = await shop.client.requestGrant({
        fields: ['email'],
        purpose: 'customer_care',
        duration: '30d',
      });
      await page.goto(request.approveUrl);
      await page.waitForURL('**/sign-in?next=%2Fapprove%2F*');
      const waiting = page.locator('.notice', { hasText: 'A vendor is waiting for your answer' });
      expect(await waiting.isVisible()).toBe(true);
      expect(await waiting.textContent()).toContain('Nothing is shared until you approve');
      await expect.poll(passkeyRequests).toEqual([{ mediation: 'conditional', outcome: 'NotAllowedError' }]);
      expect(await page.locator('[data-kith-status]').textContent()).toBe('');
      expect(await page.locator('[role="alert"], .status--error, .notice--error').count()).toBe(0);
      await checkPage(page, `${kind}-entry-sign-in-to-approve`);

      // Her button cancels the browser's waiting offer (AbortError): the page says it waits for her.
      await verified(true);
      await authenticator.setPresence(false);
      await page.reload();
      await page.getByRole('button', { name: 'Sign in with a passkey' }).click();
      await expect.poll(passkeyRequests).toEqual([
        { mediation: 'conditional', outcome: 'AbortError' },
        { mediation: 'optional', outcome: 'pending' },
      ]);
      expect(await page.locator('[data-kith-status]').textContent()).toBe('Waiting for your passkey…');
      expect(await page.locator('[role="alert"], .status--error').count()).toBe(0);

      // Present again, her passkey signs her in from the page's offer and she is at the request,
      // whose expiry is in her zone.
      await authenticator.setPresence(true);
      await page.reload();
      await page.waitForURL(`${vault.url}/approve/**`);
      expect(await page.locator('h1').textContent()).toBe('Corner Shop asks for your details');
      const approve = await mainText(page);
      expect(approve).toMatch(/This request expires at 1 Mar 2026, \d\d:\d\d Tokyo time\./);
      expect(approve).not.toContain('UTC');
      expect(browser.cspViolations).toEqual([]);
    },
    BROWSER_TEST_MS,
  );

  it(
    'says so, as an alert, when the vault refuses the passkey her browser offered',
    async () => {
      // Another device, signed out, whose passkey for this site the vault never registered (or since removed).
      const device = await launchBrowser();
      const other = await device.newPage();
      try {
        const stranger = await addVirtualAuthenticator(other);
        const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
        await stranger.addCredential({
          credentialId: randomBytes(16).toString('base64'),
          isResidentCredential: true,
          rpId: 'localhost',
          privateKey: privateKey.export({ format: 'der', type: 'pkcs8' }).toString('base64'),
          userHandle: randomBytes(16).toString('base64'),
          signCount: 0,
        });
        const passkeyRequests = await watchPasskeyRequests(other);
        await other.goto(`${vault.url}/sign-in`);
        // The browser's offer answers at once; the vault refuses what it answered.
        await expect.poll(passkeyRequests).toEqual([{ mediation: 'conditional', outcome: 'ok' }]);
        const status = other.locator('[data-kith-status]');
        await expect
          .poll(() => status.textContent())
          .toBe('Sign-in failed. Try again, or use a recovery code.');
        expect(await status.getAttribute('role')).toBe('alert');
        expect(new URL(other.url()).pathname).toBe('/sign-in');
        await checkPage(other, `${kind}-entry-sign-in-refused`);
      } finally {
        await device.close();
      }
    },
    BROWSER_TEST_MS,
  );

  // Last: a recovery code signs every other session out, hers on `page` too.
  it(
    'takes her from an approval link through a recovery code and a new passkey to the request',
    async () => {
      await authenticator.setPresence(true);
      await page.goto(`${vault.url}/security`);
      await page.getByRole('button', { name: /^(Create|Replace my) recovery codes$/ }).click();
      await page.locator('[data-kith="recovery-codes"]').waitFor();
      const [code] = await page.locator('[data-kith="recovery-codes"] code').allTextContents();

      // A new phone, no passkey on it: the vendor's link asks her to sign in first.
      const phone = await launchBrowser();
      try {
        const lost = await phone.newPage();
        const request = await shop.client.requestGrant({
          fields: ['email'],
          purpose: 'customer_care',
          duration: '30d',
        });
        await lost.goto(request.approveUrl);
        await lost.waitForURL('**/sign-in?next=%2Fapprove%2F*');
        await lost.getByText('Lost your passkeys? Use a recovery code').click();
        await lost.fill('#recovery-code', code as string);
        await lost.getByRole('button', { name: 'Sign in with this code' }).click();

        // First a passkey for this phone, and she is told the request waits for her.
        await lost.waitForURL('**/security/passkeys/new?next=%2Fapprove%2F*');
        expect(await mainText(lost)).toContain('Then you go straight on to what the vendor asks for.');
        const approvePath = new URL(request.approveUrl).pathname;
        expect(
          await lost.getByRole('link', { name: 'Not now, go to the request' }).getAttribute('href'),
        ).toBe(approvePath);
        await checkPage(lost, `${kind}-entry-new-passkey-then-request`);
        await addVirtualAuthenticator(lost);
        await lost.getByRole('button', { name: 'Create a passkey' }).click();
        await lost.waitForURL(`${vault.url}${approvePath}`);
        expect(await lost.locator('h1').textContent()).toBe('Corner Shop asks for your details');
        expect(phone.cspViolations).toEqual([]);
      } finally {
        await phone.close();
      }
    },
    BROWSER_TEST_MS,
  );
});
