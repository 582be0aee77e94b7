import type { ProfileView } from '@kith/schemas';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { SESSION_COOKIE } from '../../server/src/http/session-cookie.ts';
import { type BrowserVault, checkPage, describeWithBrowser, launchBrowser } from '../support/browser.ts';
import { type BrowserJourney, startBrowserJourney } from '../support/browser-journey.ts';
import { grantThroughSdk, startTestVendor, type TestVendor } from '../support/vendor.ts';

// A browser, a vault and a vendor on two cores: generous, since a slow machine is not a failure.
const BROWSER_TEST_MS = 120_000;

/** The owner's stored profile, path → value, through the owner API with the page's cookies. */
async function storedProfile(page: Page, vault: BrowserVault): Promise<Record<string, unknown>> {
  const res = await page.request.get(`${vault.url}/v1/me/profile`);
  expect(res.status()).toBe(200);
  const { fields } = (await res.json()) as ProfileView;
  return Object.fromEntries(Object.entries(fields).map(([path, field]) => [path, field?.value]));
}

/** The text of `<main>`, spaces folded. */
async function mainText(page: Page): Promise<string> {
  return ((await page.locator('main').textContent()) ?? '').replace(/\s+/g, ' ');
}

describeWithBrowser('the owner pages a person uses every day', (database) => {
  let journey: BrowserJourney<{ shop: TestVendor }>;

  beforeAll(async () => {
    // The clock stands at 1 March 2026, 09:00 UTC: 18:00 in Tokyo.
    journey = await startBrowserJourney(database(), {
      vault: { realClock: false },
      vendors: {
        shop: (vault) => startTestVendor({ vault: vault.url, name: 'Corner Shop', clock: vault.clock }),
      },
      owner: {
        name: 'Hana Sato',
        profile: {
          email: 'hana@example.jp',
          address: { locality: 'Osaka', country: 'JP' },
          zoneinfo: 'Asia/Tokyo',
          'contact.no_marketing': true,
        },
      },
    });
    const { vault, page } = journey;
    const { shop } = journey.vendors;
    const session = (await page.context().cookies(vault.url)).find((c) => c.name === SESSION_COOKIE);
    const grant = await grantThroughSdk(vault, shop, { cookie: `${SESSION_COOKIE}=${session?.value}` }, [
      'email',
      'address',
    ]);
    await shop.client.redeem(grant.grant);
  }, BROWSER_TEST_MS);
  afterAll(() => journey?.close(), BROWSER_TEST_MS);

  it(
    "shows every time in the owner's zone, and the activity in sentences naming what was read",
    async () => {
      const { vault, page, kind } = journey;
      const { shop } = journey.vendors;
      // The grant runs 30 days from 1 March 09:00 UTC, and was read at that moment.
      await page.goto(`${vault.url}/`);
      const home = await mainText(page);
      expect(home).toContain('Until 31 Mar 2026, 18:00 Tokyo time');
      expect(home).toContain('last 1 Mar 2026, 18:00 Tokyo time');
      expect(home).not.toContain('UTC');
      await checkPage(page, `${kind}-daily-home`);

      await page.goto(`${vault.url}/activity`);
      const rows = page.locator('[data-kith="activity"] tbody tr');
      expect(await rows.first().locator('td').first().textContent()).toBe('1 Mar 2026, 18:00 Tokyo time');
      const sentences = (await page.locator('[data-kith="activity-sentence"]').allTextContents()).map((s) =>
        s.replace(/\s+/g, ' ').replace(` ${shop.clientId}`, ''),
      );
      expect(sentences).toEqual([
        'Corner Shop read your email address and postal address.',
        'Corner Shop picked up your approval to read your email address and postal address.',
        'You approved Corner Shop reading your email address and postal address to deliver your order.',
      ]);
      expect(await mainText(page)).not.toContain('UTC');
      await checkPage(page, `${kind}-daily-activity`);

      await page.getByRole('link', { name: 'Vendors', exact: true }).click();
      await page
        .getByRole('link', { name: /Corner Shop/ })
        .first()
        .click();
      await page.waitForURL('**/vendors/*');
      const vendor = await mainText(page);
      expect(vendor).toContain('31 Mar 2026, 18:00 Tokyo time');
      expect(vendor).toContain('1 Mar 2026, 18:00 Tokyo time');
      expect(vendor).not.toContain('UTC');
      await checkPage(page, `${kind}-daily-vendor`);
    },
    BROWSER_TEST_MS,
  );

  it(
    'saves each profile section on its own, on a phone',
    async () => {
      const { vault, page, kind } = journey;
      await page.setViewportSize({ width: 390, height: 844 });
      await page.goto(`${vault.url}/profile`);
      await checkPage(page, `${kind}-daily-profile`);
      const identity = page.locator('[data-kith-section="identity"]');
      await identity.getByLabel('Given name').fill('Hana');
      await identity.getByRole('button', { name: 'Save your name' }).click();
      await page.waitForURL('**/profile?saved=identity#section-identity');
      expect(await identity.getByRole('status').textContent()).toBe('Your name: saved.');
      // The contact terms were not in that form: the ticked "no marketing" is still on.
      expect(await storedProfile(page, vault)).toMatchObject({
        given_name: 'Hana',
        email: 'hana@example.jp',
        'contact.no_marketing': true,
      });

      // A bad phone number stops its own section, and only that one, from saving.
      const contact = page.locator('[data-kith-section="contact_details"]');
      await contact.getByLabel('Email address').fill('hana@sato.example');
      await contact.getByLabel('Phone number').fill('call me maybe');
      await contact.getByRole('button', { name: 'Save contact details' }).click();
      await contact.locator('.error-summary').waitFor();
      expect(await page.locator('.error-summary').count()).toBe(1);
      expect(await contact.getByLabel('Phone number').getAttribute('aria-invalid')).toBe('true');
      expect(await contact.getByLabel('Email address').inputValue()).toBe('hana@sato.example');
      expect(await identity.getByLabel('Given name').inputValue()).toBe('Hana');
      await checkPage(page, `${kind}-daily-profile-errors`);
      expect(await storedProfile(page, vault)).toMatchObject({ email: 'hana@example.jp' });
      expect(await storedProfile(page, vault)).not.toHaveProperty('phone_number');
      await page.setViewportSize({ width: 1280, height: 900 });
    },
    BROWSER_TEST_MS,
  );

  it(
    'saves a profile section with JavaScript turned off',
    async () => {
      const { vault, page } = journey;
      const noScript = await launchBrowser({ javaScriptEnabled: false });
      try {
        await noScript.context.addCookies(await page.context().cookies(vault.url));
        const plain = await noScript.newPage();
        await plain.goto(`${vault.url}/profile`);
        const address = plain.locator('[data-kith-section="address"]');
        await address.getByLabel('Town or city').fill('Kyoto');
        await address.getByRole('button', { name: 'Save postal address' }).click();
        await plain.waitForURL('**/profile?saved=address#section-address');
        expect(await address.getByRole('status').textContent()).toBe('Postal address: saved.');
        expect(await storedProfile(page, vault)).toMatchObject({
          address: { locality: 'Kyoto', country: 'JP' },
          given_name: 'Hana',
          'contact.no_marketing': true,
        });
      } finally {
        await noScript.close();
      }
    },
    BROWSER_TEST_MS,
  );
});
