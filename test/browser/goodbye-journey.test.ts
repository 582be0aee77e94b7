import { generateKeyPair, isKithClientError } from '@kith/client';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startShop } from '../../client-sdk/examples/shop/start-shop.ts';
import { checkPage, describeWithBrowser } from '../support/browser.ts';
import { type BrowserJourney, startBrowserJourney } from '../support/browser-journey.ts';
import { startTestVendor, type TestVendor } from '../support/vendor.ts';

type Shop = Awaited<ReturnType<typeof startShop>>;
const DAY_MS = 24 * 3_600_000;

describeWithBrowser('a clean goodbye in a real browser with the example shop', (database) => {
  let journey: BrowserJourney<{ shop: Shop; bakery: TestVendor }>;

  beforeAll(async () => {
    journey = await startBrowserJourney(database(), {
      // Sessions outlive the days this test moves the clock by.
      vault: {
        env: {
          KITH_SESSION_IDLE_MINUTES: String(60 * 24 * 30),
          KITH_SESSION_ABSOLUTE_HOURS: String(24 * 90),
        },
      },
      vendors: {
        shop: async (vault) =>
          startShop({ vaultUrl: vault.url, privateJwk: (await generateKeyPair()).privateJwk }),
        bakery: (vault) => startTestVendor({ vault: vault.url, name: 'Quiet Bakery', webhooks: true }),
      },
      delivery: true,
    });
  });
  afterAll(() => journey?.close());

  async function openVendorPage(name: string) {
    const { vault, page } = journey;
    await page.goto(`${vault.url}/vendors`);
    await page.getByRole('link', { name }).click();
    await page.locator('h1', { hasText: name }).waitFor();
  }

  it('ends with one confirmation more than approving took; the shop erases, acknowledges, and the owner sees it confirmed', async () => {
    const { vault, page, kind, delivery } = journey;
    const { shop } = journey.vendors;
    // Approving: one click on Approve, as asked.
    await page.goto(shop.url);
    await page.click('#use-kith');
    await page.waitForURL(`${vault.url}/approve/**`);
    let approveClicks = 0;
    await page.getByRole('button', { name: 'Approve' }).click();
    approveClicks++;
    await page.waitForURL(`${shop.url}/`);
    const me = (await (await page.request.get(`${shop.url}/api/me`)).json()) as { sub: string };
    const customer = [...shop.customers.customers.values()].find((c) => c.sub === me.sub);
    const grant = customer?.grant as string;
    expect(grant).toBeDefined();

    await openVendorPage('Corner Shop');
    await checkPage(page, `${kind}-goodbye-vendor-live`);

    // The owner shares their phone number, unasked; the shop collects the grant from its grant.created event.
    await page.getByText('Give Corner Shop details it did not ask for').click();
    await page.locator('#share-phone_number').check();
    await checkPage(page, `${kind}-goodbye-share-open`);
    await page.getByRole('button', { name: 'Share with Corner Shop' }).click();
    await page.waitForURL('**/vendors/**?share=done**');
    await checkPage(page, `${kind}-goodbye-shared`);
    await expect
      .poll(
        async () => {
          const view = (await (await page.request.get(`${shop.url}/api/me`)).json()) as {
            shared: { data: Record<string, unknown> | null }[];
          };
          return view.shared[0]?.data;
        },
        { timeout: 15_000, interval: 100 },
      )
      .toEqual({ phone_number: '+15555550100' });
    await page.goto(`${vault.url}/share`);
    await checkPage(page, `${kind}-goodbye-share-several`);
    await openVendorPage('Corner Shop');

    // Ending asks for erasure, so it is confirmed once: one click to the confirmation, one to
    // confirm; the erasure deadline is preset to 30 days. Deliveries wait until the pending
    // state has been seen: the shop acknowledges within milliseconds.
    await delivery.stop();
    let endClicks = 0;
    await page.getByRole('link', { name: 'End relationship with Corner Shop' }).click();
    endClicks++;
    await page.waitForURL('**/vendors/*/end');
    await checkPage(page, `${kind}-goodbye-end-confirm`);
    await page.getByRole('button', { name: 'End relationship with Corner Shop' }).click();
    endClicks++;
    await page.waitForURL('**/vendors/**?ended=1**');
    expect(endClicks).toBe(approveClicks + 1);
    const ended = Date.now();
    expect(await page.locator('.notice__title').first().textContent()).toBe('Relationship ended');
    expect(await page.locator('[data-kith="erasure-status"]').textContent()).toMatch(
      /^Erasure pending \(due \d{1,2} \w{3} \d{4}\)/,
    );
    expect(await page.getByRole('link', { name: /End relationship/ }).count()).toBe(0);
    await checkPage(page, `${kind}-goodbye-ended-pending`);
    delivery.start();

    // The grant is dead at once, whatever its expiry.
    try {
      await shop.kith.redeem(grant);
      expect.unreachable('a grant of an ended relationship must not redeem');
    } catch (error) {
      expect(isKithClientError(error) && error.code).toBe('GRANT_REVOKED');
    }

    // The shop hears the goodbye, erases the customer and acknowledges through the SDK.
    await expect
      .poll(() => shop.customers.erasures[0]?.acknowledgedAt, { timeout: 15_000, interval: 50 })
      .toBeDefined();
    const [erasure] = shop.customers.erasures;
    expect(erasure).toMatchObject({ sub: me.sub, deleted: 1 });
    expect(Date.parse(erasure?.deadline ?? '') - ended).toBeGreaterThan(29 * DAY_MS);
    expect(Date.parse(erasure?.deadline ?? '') - ended).toBeLessThanOrEqual(30 * DAY_MS);
    await expect
      .poll(() => shop.events.map((e) => e.type).sort(), { timeout: 15_000, interval: 50 })
      .toEqual([
        'erasure.requested',
        'grant.created',
        'grant.revoked',
        'grant.revoked',
        'relationship.ended',
      ]);
    expect(shop.customers.withSub(me.sub)).toEqual([]);
    const after = (await (await page.request.get(`${shop.url}/api/me`)).json()) as { hasGrant: boolean };
    expect(after.hasGrant).toBe(false);

    await page.reload();
    const today = new Intl.DateTimeFormat('en-GB', { dateStyle: 'medium', timeZone: 'UTC' }).format(
      Date.now(),
    );
    expect(await page.locator('[data-kith="erasure-status"]').textContent()).toContain(
      `Erasure confirmed on ${today}`,
    );
    expect(await page.locator('[data-kith="delivery-health"]').textContent()).toMatch(
      /^Messages to Corner Shop: delivered — last one /,
    );
    await checkPage(page, `${kind}-goodbye-erasure-confirmed`);

    // The dashboard lists it as ended, with the erasure confirmed.
    await page.goto(`${vault.url}/vendors`);
    expect(await page.locator('[data-kith="vendor-erasure"]').textContent()).toContain(
      `erasure confirmed on ${today}`,
    );
    await checkPage(page, `${kind}-goodbye-vendors-ended`);
  }, 150_000);

  it('shows the erasure overdue once the deadline passes without an acknowledgement', async () => {
    const { vault, page, kind } = journey;
    const { bakery } = journey.vendors;
    // The bakery records its webhooks but never acknowledges.
    const request = await bakery.client.requestGrant({
      fields: ['email'],
      purpose: 'delivery',
      duration: '30d',
    });
    await page.goto(request.approveUrl);
    await page.getByRole('button', { name: 'Approve' }).click();
    await page.locator('h1', { hasText: 'Quiet Bakery can now read what you approved' }).waitFor();
    await bakery.client.collectGrant({ requestId: request.id });

    await openVendorPage('Quiet Bakery');
    await page.getByRole('link', { name: 'End relationship with Quiet Bakery' }).click();
    await page.selectOption('#erasure-days', '1');
    await page.getByRole('button', { name: 'End relationship with Quiet Bakery' }).click();
    await page.waitForURL('**/vendors/**?ended=1**');
    await bakery.webhooks.waitFor((receipts) =>
      receipts.some((r) => (JSON.parse(r.body) as { type: string }).type === 'erasure.requested'),
    );
    expect(await page.locator('[data-kith="erasure-status"]').textContent()).toMatch(/^Erasure pending/);

    // Three days on, a one-day deadline is two whole days past.
    vault.clock.advance(3 * DAY_MS + 60_000);
    await page.reload();
    expect(await page.locator('[data-kith="erasure-status"]').textContent()).toMatch(/^Overdue by 2 days: /);
    await checkPage(page, `${kind}-goodbye-erasure-overdue`);
    await page.goto(`${vault.url}/vendors`);
    expect(await page.locator('[data-kith="vendors"]').textContent()).toContain('erasure overdue by 2 days');
  }, 60_000);
});
