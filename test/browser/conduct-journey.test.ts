import { afterAll, beforeAll, expect, it } from 'vitest';
import { checkPage, describeWithBrowser } from '../support/browser.ts';
import { type BrowserJourney, startBrowserJourney } from '../support/browser-journey.ts';
import { startTestVendor, type TestVendor } from '../support/vendor.ts';

describeWithBrowser('a vendor’s conduct on its page, and stopping what it never read', (database) => {
  let journey: BrowserJourney<{ shop: TestVendor }>;

  beforeAll(async () => {
    journey = await startBrowserJourney(database(), {
      vendors: {
        shop: (vault) => startTestVendor({ vault: vault.url, name: 'Corner Shop', webhooks: true }),
      },
      delivery: true,
    });
  });
  afterAll(() => journey?.close());

  /** The shop asks; the owner approves through the owner API with the page's own session. */
  async function granted(fields: string[]) {
    const { vault, page } = journey;
    const { shop } = journey.vendors;
    const request = await shop.client.requestGrant({
      fields: fields as never,
      purpose: 'delivery',
      duration: '30d',
    });
    const res = await page.request.post(`${vault.url}/v1/me/grant-requests/${request.id}/approve`, {
      data: { optionalFields: [], contact: true },
      headers: { origin: new URL(vault.url).origin },
    });
    expect(res.status()).toBe(200);
    return shop.client.collectGrant({ requestId: request.id });
  }

  it('says in sentences what the shop read, charts its reads, and narrows in one click and a confirmation', async () => {
    const { vault, page, kind } = journey;
    const { shop } = journey.vendors;
    // Grace has no birthdate, so it is never read; the address grant is never redeemed.
    const wide = await granted(['name', 'email', 'birthdate']);
    await granted(['address']);
    await shop.client.redeem(wide.grant);
    await shop.client.canContact(wide.grant, { channel: 'email', purpose: 'service' });

    await page.goto(`${vault.url}/vendors`);
    await page.getByRole('link', { name: 'Corner Shop' }).click();
    const section = page.locator('[data-kith="conduct"]');
    await section.waitFor();
    expect(await section.locator('[data-kith="conduct-fields"]').textContent()).toMatch(
      /^They read 2 of the 4 details you share in the last 90 days: .+\. Never read: .+\.$/,
    );
    expect(await section.locator('[data-kith="conduct-contact"]').textContent()).toContain(
      '0 allowed, 1 refused (1 by a channel you do not allow)',
    );
    const chart = section.getByRole('img', { name: /^Reads per week, oldest first: / });
    expect(await chart.getAttribute('aria-label')).toMatch(/: 1\.$/);
    await checkPage(page, `${kind}-conduct-section`);

    // One click shows what goes and which grant ends; the second confirms.
    await section.getByText('Stop sharing the details they never read').click();
    expect(await section.locator('details').textContent()).toContain(
      'One grant gives only details they never read: it will be revoked.',
    );
    await checkPage(page, `${kind}-conduct-confirm`);
    await section.getByRole('button', { name: 'Yes, stop sharing them' }).click();
    await page.waitForURL('**/vendors/**?conduct=narrowed**');
    expect(await page.locator('[data-kith="conduct"] .notice__title').textContent()).toBe('Sharing narrowed');
    expect(await page.locator('[data-kith="conduct-fields"]').textContent()).toMatch(
      /^They read 2 of the 2 details you share in the last 90 days: .+\.$/,
    );
    expect(await page.getByText('Stop sharing the details they never read').count()).toBe(0);
    await checkPage(page, `${kind}-conduct-narrowed`);

    // The token the shop holds now reads only what is left.
    const redeemed = await shop.client.redeem(wide.grant);
    expect('fields' in redeemed && Object.keys(redeemed.fields).sort()).toEqual(['email', 'name']);
  });
});
