import type { Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { checkPage, describeWithBrowser, grace } from '../support/browser.ts';
import { type BrowserJourney, startBrowserJourney } from '../support/browser-journey.ts';
import { startTestVendor, type TestVendor } from '../support/vendor.ts';

const BROWSER_TEST_MS = 120_000;

describeWithBrowser('consent on the owner pages, as a new owner meets them (Chromium)', (database) => {
  let journey: BrowserJourney<{ shop: TestVendor }>;

  beforeAll(async () => {
    journey = await startBrowserJourney(database(), {
      vendors: { shop: (vault) => startTestVendor({ vault: vault.url, name: 'Corner Shop' }) },
      // Her own limit (2 a week) is lower than the shop will ask (3).
      owner: { name: 'Grace Hopper', profile: { ...grace, 'contact.max_per_week': 2 } },
    });
  }, BROWSER_TEST_MS);
  afterAll(() => journey?.close());

  const vendorPage = () =>
    `${journey.vault.url}/vendors/${Buffer.from(journey.vendors.shop.clientId).toString('base64url')}`;

  /** The shop asks for her email and to contact her by `channels`, 3 times a week; the page opens. */
  async function openRequest(channels: ('email' | 'sms')[]) {
    const { page } = journey;
    const { shop } = journey.vendors;
    const request = await shop.client.requestGrant({
      fields: ['email'],
      purpose: 'customer_care',
      duration: '30d',
      contact: { channels, purposes: ['service'], maxPerWeek: 3 },
    });
    await page.goto(request.approveUrl);
    await page.locator('h1', { hasText: 'Corner Shop asks for your details' }).waitFor();
    return request;
  }

  /** The vertical gap, in CSS pixels, from the bottom of `above` to the top of `below`. */
  async function gapBetween(above: string, below: string): Promise<number> {
    const { page } = journey;
    const [a, b] = [await page.locator(above).boundingBox(), await page.locator(below).boundingBox()];
    if (!a || !b) throw new Error(`${above} or ${below} is not on the page`);
    return b.y - (a.y + a.height);
  }

  it(
    'shows the limit that applies and contact as an unticked opt-in; approving without it allows no contact',
    async () => {
      const { page, kind } = journey;
      const { shop } = journey.vendors;
      const request = await openRequest(['email', 'sms']);
      const ask = (await page.locator('[data-kith="contact-ask"]').textContent()) ?? '';
      expect(ask).toContain('by email or text message');
      expect(ask).not.toMatch(/\bsms\b/);
      expect(await page.locator('[data-kith="contact-limit"]').textContent()).toBe('twice a week');
      expect(ask).toContain('your limit; they asked for 3 times');
      const optIn = page.getByLabel('Let them contact me');
      expect(await optIn.isChecked()).toBe(false);
      await checkPage(page, `${kind}-consent-approve`);

      let approveClicks = 0;
      await page.getByRole('button', { name: 'Approve' }).click();
      approveClicks++;
      await page.locator('h1', { hasText: 'Corner Shop can now read what you approved' }).waitFor();
      const { grant, fields } = await shop.client.collectGrant({ requestId: request.id });
      expect(fields).toEqual(['email']);
      for (const channel of ['email', 'sms'] as const) {
        expect(await shop.client.canContact(grant, { channel, purpose: 'service' })).toMatchObject({
          allowed: false,
          reason: 'channel_not_allowed',
        });
      }

      // Revoking takes no more clicks than granting did.
      await page.goto(vendorPage());
      let revokeClicks = 0;
      await page.locator('[data-kith="live-grants"]').getByRole('button', { name: 'Revoke' }).click();
      revokeClicks++;
      await page.waitForURL('**/vendors/**?revoked=1');
      expect(await page.locator('.notice__title').first().textContent()).toBe('Revoked');
      expect(revokeClicks).toBeLessThanOrEqual(approveClicks);
    },
    BROWSER_TEST_MS,
  );

  it(
    'tells "not asked" from "not allowed", lists each contact attempt once, and keeps buttons off the next heading',
    async () => {
      const { page, kind } = journey;
      const { shop } = journey.vendors;
      // This time she lets them, by text message only (as asked).
      const request = await openRequest(['sms']);
      await page.getByLabel('Let them contact me').check();
      await page.getByRole('button', { name: 'Approve' }).click();
      await page.locator('h1', { hasText: 'Corner Shop can now read what you approved' }).waitFor();
      const { grant } = await shop.client.collectGrant({ requestId: request.id });
      expect(await shop.client.canContact(grant, { channel: 'email', purpose: 'service' })).toMatchObject({
        allowed: false,
        reason: 'channel_not_allowed',
      });
      expect(await shop.client.recordContact(grant, { channel: 'sms', purpose: 'service' })).toMatchObject({
        recorded: true,
      });

      await page.goto(vendorPage());
      const rows = page.locator('[data-kith="contact-log"] tbody tr');
      // Two refused checks on the first grant, one check and one contact on this one: four, each once.
      expect(await rows.count()).toBe(4);
      const answers = await rows.evaluateAll((trs) =>
        trs.map((tr) => [...tr.querySelectorAll('td')].slice(1).map((td) => td.textContent ?? '')),
      );
      // Attempts in one millisecond may list in either order.
      expect(answers.map((a) => a.join(' | ')).sort()).toEqual([
        'Asked whether they may | Email, service | Refused: not a way you allow',
        'Asked whether they may | Email, service | Refused: not asked for on this grant',
        'Asked whether they may | Text message, service | Refused: not a way you allow',
        'Contact | Text message, service | Allowed',
      ]);
      const log = (await page.locator('[data-kith="access-log"]').textContent()) ?? '';
      expect(log).toContain('You approved');
      expect(log).not.toMatch(/contact/i);

      // A heading right after a form's buttons has air above it, with "do not contact" off and on.
      expect(
        await gapBetween('#contact form[action$="/contact-terms"] button', '#contact-log-title'),
      ).toBeGreaterThanOrEqual(16);
      await page.getByRole('button', { name: 'Do not contact me' }).click();
      await page.waitForURL('**contact=saved**');
      expect(
        await gapBetween('#contact form[action$="/do-not-contact"] button', '#contact-log-title'),
      ).toBeGreaterThanOrEqual(16);
      await checkPage(page, `${kind}-consent-vendor-contact`);
    },
    BROWSER_TEST_MS,
  );

  it(
    'asks once to confirm ending, says what ending does, and ends nothing without that confirmation',
    async () => {
      const { vault, page, kind } = journey;
      const { shop } = journey.vendors;
      await page.goto(vendorPage());
      let endClicks = 0;
      await page.getByRole('link', { name: 'End relationship with Corner Shop' }).click();
      endClicks++;
      await page.waitForURL('**/vendors/*/end');
      expect(await page.locator('h1').textContent()).toBe('End your relationship with Corner Shop?');
      const explained = (await page.locator('[data-kith="end-confirm"]').textContent()) ?? '';
      expect(explained).toContain('Every grant is revoked at once');
      expect(explained).toContain('asked to erase everything they hold about you');
      expect(explained).toContain('What they keep');
      expect(await page.locator('#erasure-days').inputValue()).toBe('30');
      expect(await page.locator('[data-kith="end-confirm"] button').count()).toBe(1);
      await checkPage(page, `${kind}-consent-end-confirm`);

      // The same form without its confirmation: sent back here, nothing ended.
      await page.locator('input[name="confirm"]').evaluate((input) => input.remove());
      await page.getByRole('button', { name: 'End relationship with Corner Shop' }).click();
      await page.waitForURL('**/vendors/*/end');
      const live = await page.request.get(
        `${vault.url}/v1/me/grants?client_id=${encodeURIComponent(shop.clientId)}`,
      );
      const { grants } = (await live.json()) as { grants: { live: boolean }[] };
      expect(grants.filter((g) => g.live)).toHaveLength(1);

      await page.reload();
      await page.getByRole('button', { name: 'End relationship with Corner Shop' }).click();
      endClicks++;
      await page.waitForURL('**/vendors/**?ended=1**');
      expect(await page.locator('.notice__title').first().textContent()).toBe('Relationship ended');
      expect(endClicks).toBe(2);
      expect(await page.getByRole('link', { name: /End relationship/ }).count()).toBe(0);
    },
    BROWSER_TEST_MS,
  );

  it(
    'styles the code box: its computed style is not the browser default for a text input',
    async () => {
      const { vault, page, kind, browser } = journey;
      await page.goto(`${vault.url}/approve`);
      const styleOf = (p: Page, selector: string) =>
        p.locator(selector).evaluate((input) => {
          const style = getComputedStyle(input);
          return {
            fontFamily: style.fontFamily,
            textTransform: style.textTransform,
            borderRadius: style.borderTopLeftRadius,
            paddingTop: style.paddingTop,
            minHeight: style.minHeight,
            width: input.getBoundingClientRect().width,
          };
        });
      const code = await styleOf(page, '#code');
      const blank = await browser.newPage();
      await blank.setContent('<input id="plain" type="text">');
      const plain = await styleOf(blank, '#plain');
      await blank.close();
      expect(code.fontFamily).not.toBe(plain.fontFamily);
      expect(code.fontFamily).toMatch(/mono/i);
      expect(code.textTransform).toBe('uppercase');
      expect(code.borderRadius).toBe('8px');
      expect(code.borderRadius).not.toBe(plain.borderRadius);
      expect(code.paddingTop).not.toBe(plain.paddingTop);
      expect(code.minHeight).not.toBe(plain.minHeight);
      expect(code.width).toBeGreaterThan(plain.width);
      await checkPage(page, `${kind}-consent-approve-code`);
    },
    BROWSER_TEST_MS,
  );
});
