import { randomBytes } from 'node:crypto';
import type { ProfileView } from '@kith/schemas';
import { expect, it } from 'vitest';
import { describeWithBrowser } from '../support/browser.ts';
import { startBrowserJourney } from '../support/browser-journey.ts';
import type { LiveVault } from '../support/live-vault.ts';
import { startTestVendor, type TestVendor } from '../support/vendor.ts';

/** Whether anything still answers at `url`. */
async function answers(url: string): Promise<boolean> {
  try {
    await fetch(url);
    return true;
  } catch {
    return false;
  }
}

describeWithBrowser('the setup the browser journeys share', (database) => {
  // Both tests open a vault on the one database of the suite: the second must hold the first's key.
  const masterKey = randomBytes(32).toString('base64');

  it('enrolls the owner with her profile, signed in on the page, and close() stops the vault and vendors', async () => {
    const journey = await startBrowserJourney(database(), {
      vault: { masterKey },
      vendors: { shop: (vault) => startTestVendor({ vault: vault.url, name: 'Corner Shop' }) },
    });
    const { vault, page, authenticator } = journey;
    const { shop } = journey.vendors;
    try {
      await page.goto(`${vault.url}/`);
      expect(await page.locator('h1').textContent()).toBe('Hello, Grace Hopper');
      const profile = (await (await page.request.get(`${vault.url}/v1/me/profile`)).json()) as ProfileView;
      expect(profile.fields.email?.value).toBe('grace@example.com');
      expect(await authenticator.credentials()).toHaveLength(1);
      expect(await answers(shop.clientId)).toBe(true);
    } finally {
      await journey.close();
    }
    expect(await answers(`${vault.url}/healthz`)).toBe(false);
    expect(await answers(shop.clientId)).toBe(false);
  });

  it('stops what it had started when a later step fails, and passes the failure on', async () => {
    const seen: { vault?: LiveVault; shop?: TestVendor } = {};
    const starting = startBrowserJourney(database(), {
      vault: { masterKey },
      vendors: {
        shop: async (served) => {
          seen.vault = served;
          seen.shop = await startTestVendor({ vault: served.url, name: 'Corner Shop' });
          return seen.shop;
        },
      },
      delivery: true,
      // Refused when the owner's profile is stored: the vault, the vendor, delivery and Chromium run by then.
      owner: { name: 'Ada Lovelace', profile: { email: 'not an email address' } },
    });
    await expect(starting).rejects.toThrow('expected 400 to be 200');
    const { vault, shop } = seen;
    if (!vault || !shop) throw new Error('the vault and the vendor should have started before the profile');
    expect(await answers(`${vault.url}/healthz`)).toBe(false);
    expect(await answers(shop.clientId)).toBe(false);
  });
});
