import { isKithClientError } from '@kith/client';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeEachDatabase } from './support/databases.ts';
import { type LiveVault, startLiveVault } from './support/live-vault.ts';
import { startTestVendor, type TestVendor } from './support/vendor.ts';

/** Requests no vendor could have sent: a body that fails validation, or a forged client assertion. */
function garbage(vault: LiveVault, i: number, headers: Record<string, string> = {}) {
  const forged = {
    client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
    client_assertion: 'a.b.c',
  };
  return fetch(`${vault.url}${i % 2 ? '/v1/grants/collect' : '/v1/grant-requests'}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(i % 2 ? {} : { ...forged, fields: ['email'], purpose: 'delivery', duration: '1d' }),
  });
}

const ask = (vendor: TestVendor) =>
  vendor.client.requestGrant({ fields: ['email'], purpose: 'customer_care', duration: '1d' }).then(
    () => 'created',
    (error: unknown) => (isKithClientError(error) ? error.code : error),
  );

describeEachDatabase('vendor endpoints: garbage from an address spends no vendor’s budget', (database) => {
  let vault: LiveVault;
  let shop: TestVendor;
  let newcomer: TestVendor;

  beforeAll(async () => {
    vault = await startLiveVault(database());
    shop = await startTestVendor({ vault: vault.url });
    newcomer = await startTestVendor({ vault: vault.url, name: 'Newcomer' });
  });
  afterAll(async () => {
    await shop?.stop();
    await newcomer?.stop();
    await vault?.stop();
  });

  it('still serves a valid vendor after 600+ garbage requests from its address', async () => {
    expect(await ask(shop)).toBe('created');
    const statuses: number[] = [];
    for (let i = 0; i < 610; i++) {
      // Without KITH_TRUSTED_PROXIES a forwarded address is ignored: all of these come from one client.
      const res = await garbage(vault, i, { 'x-forwarded-for': `203.0.113.${i % 250}` });
      statuses.push(res.status);
      if (i === 609) expect(res.headers.get('retry-after')).toBe('60');
    }
    expect(statuses.slice(0, 600).every((s) => s === 400 || s === 401)).toBe(true);
    expect(statuses.slice(600)).toEqual(Array(10).fill(429));

    expect(await ask(shop)).toBe('created');
    // The throttled address cannot make the vault fetch a client id it never saw.
    expect(await ask(newcomer)).toBe('RATE_LIMITED');
    const fetched = await vault.vault.db
      .selectFrom('vendors')
      .select('client_id')
      .where('client_id', '=', newcomer.clientId)
      .execute();
    expect(fetched).toEqual([]);
  });
});

describeEachDatabase('vendor endpoints: each vendor has a budget of its own', (database) => {
  let vault: LiveVault;
  let shop: TestVendor;
  let other: TestVendor;

  beforeAll(async () => {
    vault = await startLiveVault(database(), { env: { KITH_VENDOR_RATE_LIMIT_PER_MINUTE: '3' } });
    shop = await startTestVendor({ vault: vault.url });
    other = await startTestVendor({ vault: vault.url, name: 'Other Shop' });
  });
  afterAll(async () => {
    await shop?.stop();
    await other?.stop();
    await vault?.stop();
  });

  it('refuses a vendor past its own budget, not the next vendor, and not for garbage', async () => {
    // Both vendors are known before the garbage: a throttled address fetches no new client id.
    expect([await ask(shop), await ask(other)]).toEqual(['created', 'created']);
    const statuses = [];
    for (let i = 0; i < 5; i++) statuses.push((await garbage(vault, i)).status);
    expect(statuses.slice(3)).toEqual([429, 429]);

    expect([await ask(shop), await ask(shop), await ask(shop)]).toEqual([
      'created',
      'created',
      'RATE_LIMITED',
    ]);
    expect([await ask(other), await ask(other)]).toEqual(['created', 'created']);
    // Redeems are not counted: they carry a grant.
    expect((await fetch(`${vault.url}/v1/data`)).status).toBe(401);
  });
});

describeEachDatabase('vendor endpoints behind trusted proxies', (database) => {
  let vault: LiveVault;

  beforeAll(async () => {
    vault = await startLiveVault(database(), {
      env: { KITH_VENDOR_RATE_LIMIT_PER_MINUTE: '3', KITH_TRUSTED_PROXIES: 'loopback' },
    });
  });
  afterAll(() => vault?.stop());

  const status = async (forwardedFor?: string) =>
    (await garbage(vault, 1, forwardedFor ? { 'x-forwarded-for': forwardedFor } : {})).status;

  it('counts against the right-most X-Forwarded-For hop that is not a trusted proxy', async () => {
    for (let i = 0; i < 3; i++) expect(await status('203.0.113.7')).toBe(400);
    expect(await status('203.0.113.7')).toBe(429);
    // Whatever a client writes to the left is not believed…
    expect(await status('198.51.100.1, 203.0.113.7')).toBe(429);
    // …and the hop the proxy appended is.
    expect(await status('203.0.113.7, 198.51.100.1')).toBe(400);
    // Trusted hops are skipped: the client behind two proxies is 203.0.113.8.
    for (let i = 0; i < 3; i++) expect(await status('203.0.113.8, 127.0.0.1')).toBe(400);
    expect(await status('203.0.113.8')).toBe(429);
    // No header: the proxy itself is the client.
    expect(await status()).toBe(400);
  });
  it('reads RFC 7239 Forwarded the same way when there is no X-Forwarded-For', async () => {
    const forwarded = async (value: string) => (await garbage(vault, 1, { forwarded: value })).status;
    for (let i = 0; i < 3; i++) expect(await forwarded('for=192.0.2.60;proto=https')).toBe(400);
    expect(await forwarded('for=192.0.2.60')).toBe(429);
    // The right-most untrusted for= is the client; a port, and an IPv6 address in brackets, are read.
    expect(await forwarded('for=192.0.2.60, for=198.51.100.9:4711')).toBe(400);
    for (let i = 0; i < 3; i++) expect(await forwarded('for="[2001:db8::17]:4711", for=127.0.0.1')).toBe(400);
    expect(await forwarded('for="[2001:db8::17]"')).toBe(429);
    // An obfuscated or unknown node stops the walk there: it is nobody's budget but its own.
    for (let i = 0; i < 3; i++) expect(await forwarded('for=192.0.2.61, for=_hidden')).toBe(400);
    expect(await forwarded('for=192.0.2.61, for=unknown')).toBe(429);
    expect(await forwarded('for=192.0.2.61')).toBe(400);
  });
});
