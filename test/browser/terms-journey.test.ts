import { afterAll, beforeAll, expect, it } from 'vitest';
import { checkPage, describeWithBrowser } from '../support/browser.ts';
import { type BrowserJourney, startBrowserJourney } from '../support/browser-journey.ts';
import { startTestVendor, type TestVendor } from '../support/vendor.ts';

describeWithBrowser('the owner’s own terms in a real browser', (database) => {
  let journey: BrowserJourney<{ shop: TestVendor }>;

  beforeAll(async () => {
    journey = await startBrowserJourney(database(), {
      vendors: { shop: (vault) => startTestVendor({ vault: vault.url, name: 'Terms Shop' }) },
    });
  });
  afterAll(() => journey?.close());

  it('picks the agreement she offers, sees a vendor that did not accept it, and approves under one it did', async () => {
    const { vault, page } = journey;
    const { shop } = journey.vendors;
    await page.goto(`${vault.url}/vendors`);
    await page.getByRole('link', { name: 'Your terms' }).click();
    await page.locator('h1', { hasText: 'Your terms' }).waitFor();
    await checkPage(page, `${journey.kind}-terms`);
    await page.getByLabel(/Service only, no sharing/).check();
    await page.getByRole('button', { name: 'Save my terms' }).click();
    await page.getByText('Saved.').waitFor();
    expect(await page.getByLabel(/Service only, no sharing/).isChecked()).toBe(true);

    // The agreement's own text, as a vendor would read it.
    await page.getByRole('link', { name: 'Read it' }).first().click();
    await page.locator('h1', { hasText: 'Service only, no sharing' }).waitFor();
    expect(await page.locator('main').innerText()).toContain('erase what you hold about me within 30 days');
    await checkPage(page, `${journey.kind}-terms-text`);

    // A shop that accepts only its own-offers agreement.
    const request = await shop.client.requestGrant({
      fields: ['email'],
      purpose: 'delivery',
      duration: '30d',
      terms: ['service-and-offers'],
    });
    await page.goto(request.approveUrl);
    const terms = page.locator('[data-kith="terms"]');
    await terms.waitFor();
    expect(await terms.getAttribute('data-terms-state')).toBe('not-accepted');
    expect(await terms.innerText()).toContain('They have not accepted your terms');
    await checkPage(page, `${journey.kind}-approve-terms-not-accepted`);
    // The one it accepted is offered, already picked, side by side with what it means.
    expect(await page.getByLabel(/Service and your own offers/).isChecked()).toBe(true);
    await page.getByRole('button', { name: 'Approve' }).click();
    await page.getByRole('heading', { name: /approved|shared|done/i }).waitFor();

    const grant = await shop.client.collectGrant({ requestId: request.id });
    expect(grant.terms?.id).toBe('service-and-offers');

    // Her vendor page offers this shop another agreement in one step.
    await page.goto(`${vault.url}/vendors`);
    await page.getByRole('link', { name: 'Terms Shop' }).click();
    await page.locator('[data-kith="vendor-terms"]').waitFor();
    await page.getByLabel(/The agreement you offer/).selectOption('one-off');
    await page.getByRole('button', { name: 'Save terms for them' }).click();
    await page.getByText('Saved. Terms Shop has been told.').waitFor();
    expect(await page.getByLabel(/The agreement you offer/).inputValue()).toBe('one-off');
    await checkPage(page, `${journey.kind}-vendor-terms`);
  });
});
