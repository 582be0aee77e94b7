import { isKithClientError } from '@kith/client';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeEachDatabase } from './support/databases.ts';
import { type LiveVault, startLiveVault } from './support/live-vault.ts';
import { startTestVendor, type TestVendor } from './support/vendor.ts';

describeEachDatabase('vendor endpoints before a grant are rate-limited per client address', (database) => {
  let vault: LiveVault;
  let shop: TestVendor;

  beforeAll(async () => {
    vault = await startLiveVault(database(), { env: { KITH_VENDOR_RATE_LIMIT_PER_MINUTE: '3' } });
    shop = await startTestVendor({ vault: vault.url });
  });
  afterAll(async () => {
    await shop?.stop();
    await vault?.stop();
  });

  it('answers RATE_LIMITED with Retry-After past the budget', async () => {
    const ask = () =>
      shop.client.requestGrant({ fields: ['email'], purpose: 'customer_care', duration: '1d' });
    for (let i = 0; i < 3; i++) await ask();
    const refused = await ask().then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(isKithClientError(refused) && refused.code).toBe('RATE_LIMITED');
    // A raw request shows the header the SDK honours.
    const raw = await fetch(`${vault.url}/v1/grants/collect`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{}',
    });
    expect(raw.status).toBe(429);
    expect(raw.headers.get('retry-after')).toBe('60');
    // Redeems are not counted: they carry a grant.
    expect((await fetch(`${vault.url}/v1/data`)).status).toBe(401);
  });
});
