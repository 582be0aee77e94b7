import { type VendorMetadata, vendorMetadataSchema } from '@kith/schemas';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { approveGrantRequest, createGrantRequest } from '../server/src/grants/grant-request.service.ts';
import { upsertVendor } from '../server/src/vendors/vendor.repository.ts';
import { describeEachDatabase } from './support/databases.ts';
import { submitPageForm } from './support/http.ts';
import { openTestVault, type TestVault } from './support/test-vault.ts';

const YEAR = 365 * 24 * 3_600_000;

describeEachDatabase('how the owner sees a vendor (pages over HTTP)', (database) => {
  let tv: TestVault;
  let cookie: string;
  let ownerId: string;

  beforeAll(async () => {
    tv = await openTestVault(database());
    ({
      cookie,
      owner: { id: ownerId },
    } = await tv.signedInOwner());
  });
  afterAll(() => tv?.close());

  const deps = () => ({
    db: tv.vault.db,
    keys: tv.vault.keys,
    keyring: tv.vault.keyring,
    clock: tv.clock,
    config: tv.config,
  });

  /**
   * A vendor the vault already knows: its document cached as it was fetched (the name as the
   * vendor wrote it, as a document cached before the name rule would be).
   */
  async function knownVendor(clientId: string, extra: Partial<VendorMetadata> = {}) {
    const metadata = vendorMetadataSchema.parse({
      client_id: clientId,
      client_name: 'Corner Shop',
      jwks: { keys: [{ kty: 'OKP', crv: 'Ed25519', x: 'AAAA' }] },
      ...extra,
    });
    await upsertVendor(tv.vault.db, {
      client_id: clientId,
      metadata: JSON.stringify(metadata),
      fetched_at: tv.clock.now(),
      expires_at: tv.clock.now() + YEAR,
    });
    return { clientId, metadata };
  }

  async function ask(vendor: Awaited<ReturnType<typeof knownVendor>>, redirectUri?: string) {
    return createGrantRequest(deps(), vendor, {
      fields: ['email'],
      optionalFields: [],
      purpose: 'delivery',
      durationSeconds: 86_400,
      ...(redirectUri ? { redirectUri } : {}),
    });
  }

  async function page(path: string): Promise<string> {
    const res = await tv.app.request(path, { headers: { cookie } });
    expect(res.status, path).toBe(200);
    return res.text();
  }

  it('tells apart two vendors on one host that differ only by path, on the approve page', async () => {
    const a = await knownVendor('https://mall.example/shops/a.json', { client_name: 'Mall Shop' });
    const b = await knownVendor('https://mall.example/shops/b.json', { client_name: 'Mall Shop' });
    const [pageA, pageB] = await Promise.all([
      page(`/approve/${(await ask(a)).id}`),
      page(`/approve/${(await ask(b)).id}`),
    ]);
    expect(pageA).toContain(
      '<bdi dir="ltr" class="vendor-address" data-kith="vendor-address">https://mall.example/shops/a.json</bdi>',
    );
    expect(pageB).toContain(
      '<bdi dir="ltr" class="vendor-address" data-kith="vendor-address">https://mall.example/shops/b.json</bdi>',
    );
    expect(pageA).toContain('<bdi data-kith="vendor-name">Mall Shop</bdi> asks for your details');
  });

  it('shows the name without bidi controls or invisible characters, isolated, and falls back to the host', async () => {
    const tricky = await knownVendor('https://tricky.example/kith.json', {
      client_name: 'Shop\u202E\u200Bmoc.elgoog',
    });
    const html = await page(`/approve/${(await ask(tricky)).id}`);
    expect(html).toContain('<bdi data-kith="vendor-name">Shopmoc.elgoog</bdi>');
    expect(html).not.toMatch(/[\u202A-\u202E\u2066-\u2069\u200B]/);

    const blank = await knownVendor('https://blank.example/kith.json', { client_name: '\u200B\u200C' });
    const blankHtml = await page(`/approve/${(await ask(blank)).id}`);
    expect(blankHtml).toContain('<bdi data-kith="vendor-name">blank.example</bdi> asks for your details');
  });

  it('shows where the browser goes after the decision when that is another origin, and only then', async () => {
    const shop = await knownVendor('https://shop.example/kith.json', {
      redirect_uris: ['https://shop.example/back', 'https://elsewhere.example/landing?from=kith'],
    });
    const away = await page(
      `/approve/${(await ask(shop, 'https://elsewhere.example/landing?from=kith')).id}`,
    );
    expect(away).toMatch(
      /<p data-kith="redirect-target">After you decide, your browser goes to\s*<strong><bdi dir="ltr">https:\/\/elsewhere\.example\/landing<\/bdi><\/strong>/,
    );
    const home = await page(`/approve/${(await ask(shop, 'https://shop.example/back')).id}`);
    expect(home).not.toContain('data-kith="redirect-target"');
    const none = await page(`/approve/${(await ask(shop)).id}`);
    expect(none).not.toContain('data-kith="redirect-target"');
  });

  it('names the vendor with its client id after the decision, when there is no redirect', async () => {
    const shop = await knownVendor('https://decided.example/kith.json', { client_name: 'Decided\u202EShop' });
    const { id } = await ask(shop);
    // The decision is the page's form, with its CSRF cookie and token.
    const res = await submitPageForm(tv, `/approve/${id}`, cookie, { decision: 'decline' });
    expect(res.status).toBe(200);
    const html = await res.text();
    expect(html).toContain('You declined <bdi data-kith="vendor-name">DecidedShop</bdi>');
    expect(html).toContain(
      `<bdi dir="ltr" class="vendor-address" data-kith="vendor-address">${shop.clientId}</bdi>`,
    );
  });

  it('names each vendor with its full client id on /vendors and on /activity', async () => {
    const one = await knownVendor('https://twins.example/one.json', { client_name: 'Twin\u2067' });
    const two = await knownVendor('https://twins.example/two.json', { client_name: 'Twin' });
    for (const vendor of [one, two]) {
      await approveGrantRequest(deps(), ownerId, (await ask(vendor)).id, {
        optionalFields: [],
        contact: true,
      });
    }
    for (const path of ['/vendors', '/activity']) {
      const html = await page(path);
      for (const clientId of [one.clientId, two.clientId]) {
        expect(html, path).toContain(
          `<bdi dir="ltr" class="vendor-address" data-kith="vendor-address">${clientId}</bdi>`,
        );
      }
      expect(html, path).toContain('<bdi data-kith="vendor-name">Twin</bdi>');
      expect(html, path).not.toContain('\u2067');
    }
    const vendorPage = await page(`/vendors/${Buffer.from(one.clientId).toString('base64url')}`);
    expect(vendorPage).toContain(
      `<bdi dir="ltr" class="vendor-address" data-kith="vendor-address">${one.clientId}</bdi>`,
    );
  });
});
