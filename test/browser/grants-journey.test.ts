import { generateKeyPair, isKithClientError } from '@kith/client';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startShop } from '../../client-sdk/examples/shop/start-shop.ts';
import { checkPage, describeWithBrowser } from '../support/browser.ts';
import { type BrowserJourney, startBrowserJourney } from '../support/browser-journey.ts';

type Shop = Awaited<ReturnType<typeof startShop>>;

// A browser, a vault and a shop on two cores: generous, since a slow machine is not a failure.
const BROWSER_TEST_MS = 120_000;
interface ShopView {
  hasGrant: boolean;
  sub: string | null;
  userCode: string | null;
  notice: string | null;
  data: Record<string, unknown> | null;
}

async function shopView(page: Page, shop: Shop): Promise<ShopView> {
  const res = await page.request.get(`${shop.url}/api/me`);
  return (await res.json()) as ShopView;
}

/** The grant token the shop holds for the browser's customer. */
async function shopGrant(page: Page, shop: Shop): Promise<string> {
  const cookies = await page.context().cookies(shop.url);
  const id = cookies.find((c) => c.name.includes('customer'))?.value ?? '';
  const grant = shop.customers.get(id)?.grant;
  expect(grant).toBeDefined();
  return grant as string;
}

describeWithBrowser('grants in a real browser with the example shop', (database) => {
  let journey: BrowserJourney<{ shop: Shop }>;

  beforeAll(async () => {
    journey = await startBrowserJourney(database(), {
      vendors: {
        shop: async (vault) =>
          startShop({ vaultUrl: vault.url, privateJwk: (await generateKeyPair()).privateJwk }),
      },
    });
  });
  afterAll(() => journey?.close(), BROWSER_TEST_MS);

  it(
    'shares exactly the approved fields, stays fresh, and ends with one click',
    async () => {
      const { vault, page, kind } = journey;
      const { shop } = journey.vendors;
      // The shop asks; the vault shows who asks, for what, with the current values.
      await page.goto(shop.url);
      await page.click('#use-kith');
      await page.waitForURL(`${vault.url}/approve/**`);
      expect(await page.locator('[data-kith="vendor-address"]').textContent()).toBe(shop.clientId);
      expect(await page.locator('h1').textContent()).toBe('Corner Shop asks for your details');
      await expect.poll(() => page.getByText('grace@example.com').count()).toBe(1);
      await checkPage(page, `${kind}-approve`);

      // Consent is never pre-ticked: the optional phone number starts unticked, the required details
      // are ticked and explained. Approving without the phone number is one click.
      let approveClicks = 0;
      expect(await page.getByLabel(/Phone number/).isChecked()).toBe(false);
      expect(await page.getByLabel(/Email address/).isChecked()).toBe(true);
      expect(await page.locator('#fields-hint').textContent()).toContain('shared only if you tick them');
      await page.getByRole('button', { name: 'Approve' }).click();
      approveClicks++;
      await page.waitForURL(`${shop.url}/`);

      // The shop collected the grant and redeemed exactly what was approved.
      const view = await shopView(page, shop);
      expect(view.hasGrant).toBe(true);
      expect(Object.keys(view.data ?? {}).sort()).toEqual(['address', 'email', 'name']);
      expect(view.data?.email).toBe('grace@example.com');

      // The owner changes a field; the next redeem shows it.
      // From outside the page, so it names the vault's origin as a script would (the owner API asks).
      const patched = await page.request.patch(`${vault.url}/v1/me/profile`, {
        data: { email: 'grace.hopper@example.com' },
        headers: { origin: vault.url },
      });
      expect(patched.status()).toBe(200);
      expect((await shopView(page, shop)).data?.email).toBe('grace.hopper@example.com');

      // Home shows who holds what, and so does the dashboard.
      await page.goto(`${vault.url}/`);
      expect(await page.locator('[data-kith-section="vendors"]').textContent()).toContain('Corner Shop');
      await checkPage(page, `${kind}-home-with-vendors`);
      await page.goto(`${vault.url}/vendors`);
      expect(await page.locator('[data-kith="vendors"]').textContent()).toContain('Corner Shop');
      await checkPage(page, `${kind}-vendors`);
      await page.getByRole('link', { name: 'Corner Shop' }).click();
      await checkPage(page, `${kind}-vendor`);
      const grant = await shopGrant(page, shop);

      // Revoking from the vendor's page takes one click: no more than approving took.
      let revokeClicks = 0;
      await page.getByRole('button', { name: 'Revoke' }).click();
      revokeClicks++;
      await page.waitForURL('**/vendors/**?revoked=1');
      expect(revokeClicks).toBeLessThanOrEqual(approveClicks);
      try {
        await shop.kith.redeem(grant);
        expect.unreachable('a revoked grant must not redeem');
      } catch (error) {
        expect(isKithClientError(error) && error.code).toBe('GRANT_REVOKED');
      }

      // The access log lists every read, and its chain verifies.
      const log = (await (await page.request.get(`${vault.url}/v1/me/access-log`)).json()) as {
        entries: { action: string }[];
      };
      const actions = log.entries.map((e) => e.action);
      expect(actions.filter((a) => a === 'data.read').length).toBeGreaterThanOrEqual(2);
      expect(actions).toContain('grant.revoked');
      await page.goto(`${vault.url}/activity`);
      expect(await page.locator('.notice__title').first().textContent()).toBe('Your log is intact');
      await checkPage(page, `${kind}-activity`);
    },
    BROWSER_TEST_MS,
  );

  it(
    'works by user code: the shop polls while the owner types the code',
    async () => {
      const { vault, page, kind, browser } = journey;
      const { shop } = journey.vendors;
      await page.goto(shop.url);
      await page.click('#use-code');
      const code = (await page.locator('#user-code').textContent())?.trim() as string;
      expect(code).toMatch(/^KITH-/);

      const owner = await browser.newPage();
      await owner.goto(`${vault.url}/approve`);
      await checkPage(owner, `${kind}-approve-code`);
      await owner.fill('#code', code.toLowerCase().replace('kith-', ''));
      await owner.getByRole('button', { name: 'Continue' }).click();
      await owner.waitForURL(`${vault.url}/approve/**`);
      // This time she shares the optional phone number too: she ticks it herself.
      await owner.getByLabel(/Phone number/).check();
      await owner.getByRole('button', { name: 'Approve' }).click();
      await owner.locator('h1', { hasText: 'Corner Shop can now read what you approved' }).waitFor();
      await checkPage(owner, `${kind}-approved`);
      await owner.close();

      await expect
        .poll(async () => (await shopView(page, shop)).hasGrant, { timeout: 20_000, interval: 500 })
        .toBe(true);
      expect(Object.keys((await shopView(page, shop)).data ?? {}).sort()).toEqual([
        'address',
        'email',
        'name',
        'phone_number',
      ]);
      // The shop's waiting page refreshes itself; load it once more so it settles on the checkout.
      await page.reload();
    },
    BROWSER_TEST_MS,
  );

  it(
    'brings a signed-out owner back to the request after signing in, and a decline reaches the shop',
    async () => {
      const { vault, page, kind, authenticator } = journey;
      const { shop } = journey.vendors;
      // The shop gives its grant back, so its checkout asks again.
      await page.goto(shop.url);
      await page.getByRole('button', { name: 'Forget my details' }).click();
      await page.locator('#use-kith').waitFor();

      await page.goto(`${vault.url}/`);
      // With the user "away", the sign-in page's autofill request waits instead of signing in at once.
      await authenticator.setPresence(false);
      await page.getByRole('button', { name: 'Sign out' }).click();
      await page.waitForURL('**/sign-in?signed-out=1');

      await page.goto(shop.url);
      await page.click('#use-kith');
      await page.waitForURL(`${vault.url}/sign-in?next=%2Fapprove%2F*`);
      await checkPage(page, `${kind}-sign-in-to-approve`);
      await authenticator.setPresence(true);
      await page.getByRole('button', { name: 'Sign in with a passkey' }).click();
      await page.waitForURL(`${vault.url}/approve/**`);
      expect(await page.locator('h1').textContent()).toBe('Corner Shop asks for your details');

      await page.getByRole('button', { name: 'Decline' }).click();
      await page.waitForURL(`${shop.url}/`);
      expect((await shopView(page, shop)).notice).toBe('You declined; no details were shared.');
    },
    BROWSER_TEST_MS,
  );
});
