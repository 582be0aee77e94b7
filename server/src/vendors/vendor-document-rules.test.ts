import { generateKeyPairSync } from 'node:crypto';
import type { VendorMetadata } from '@kith/schemas';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeEachDatabase } from '../../../test/support/databases.ts';
import { openTestVault, type TestVault } from '../../../test/support/test-vault.ts';
import { KithError } from '../http/kith-error.ts';
import { resolveVendor, type VendorDeps } from './resolve-vendor.ts';

const edJwk = () => ({
  ...generateKeyPairSync('ed25519').publicKey.export({ format: 'jwk' }),
  kid: 'k1',
  alg: 'EdDSA',
});

async function outcome(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
    return 'accepted';
  } catch (error) {
    if (error instanceof KithError) return `${error.code}: ${error.detail}`;
    throw error;
  }
}

describeEachDatabase('what a vendor document may say, beyond its schema', (database) => {
  let tv: TestVault;
  let served = 0;
  // Every case a fresh client id, so nothing comes from the cache.
  const resolve = (
    clientId: string,
    extra: Partial<VendorMetadata>,
    devAllowLocalVendors: boolean,
  ): Promise<string> => {
    const id = `${clientId}?n=${++served}`;
    const deps: VendorDeps = {
      db: tv.vault.db,
      clock: tv.clock,
      config: { devAllowLocalVendors },
      vendorFetches: tv.vault.vendorFetches,
      lookup: async () => [{ address: '93.184.215.14', family: 4 }],
      fetch: async () =>
        new Response(
          JSON.stringify({
            client_id: id,
            client_name: 'Corner Shop',
            jwks: { keys: [edJwk()] },
            ...extra,
          }),
          { headers: { 'content-type': 'application/json' } },
        ),
    };
    return outcome(resolveVendor(deps, id));
  };

  beforeAll(async () => {
    tv = await openTestVault(database());
  });
  afterAll(() => tv?.close());

  it('refuses a client_name with nothing visible once bidi controls and invisible characters are gone', async () => {
    for (const name of [
      '\u200B',
      '\u200B\u200C\u200D\u2060',
      '\u202E',
      '\u2066\u2069',
      '\u3164',
      ' \u00AD ',
      '\uFE0F',
    ]) {
      expect(
        await resolve('https://shop.example/kith.json', { client_name: name }, false),
        JSON.stringify(name),
      ).toMatch(/^CLIENT_METADATA_INVALID: client_name has no visible characters/);
    }
    expect(await resolve('https://shop.example/kith.json', { client_name: 'Shop\u202E' }, false)).toBe(
      'accepted',
    );
  });

  it('refuses webhooks to this machine from a vendor on the internet, in development mode too', async () => {
    for (const devAllowLocalVendors of [false, true]) {
      for (const webhook of [
        'http://127.0.0.1:4000/hooks',
        'https://127.0.0.1/hooks',
        'http://localhost:4000/hooks',
        'https://localhost/hooks',
        'http://[::1]:4000/hooks',
        'http://127.8.9.10/hooks',
      ]) {
        expect(
          await resolve('https://shop.example/kith.json', { webhook_uri: webhook }, devAllowLocalVendors),
          `${webhook} (dev ${devAllowLocalVendors})`,
        ).toMatch(/^CLIENT_METADATA_INVALID: webhook_uri is on this machine/);
      }
    }
  });

  it('admits webhooks to this machine for a vendor on this machine, in development mode only', async () => {
    for (const clientId of ['http://127.0.0.1:4000/kith.json', 'http://localhost:4000/kith.json']) {
      for (const webhook of [
        'http://127.0.0.1:4001/hooks',
        'http://localhost:4001/hooks',
        'https://hooks.example/in',
      ]) {
        expect(await resolve(clientId, { webhook_uri: webhook }, true), `${clientId} ${webhook}`).toBe(
          'accepted',
        );
      }
    }
    expect(
      await resolve('https://localhost/kith.json', { webhook_uri: 'http://localhost:4001/hooks' }, false),
    ).toMatch(/^CLIENT_METADATA_INVALID: /);
  });

  it('refuses a plain-http webhook anywhere but this machine', async () => {
    for (const devAllowLocalVendors of [false, true]) {
      expect(
        await resolve(
          'https://shop.example/kith.json',
          { webhook_uri: 'http://hooks.example/in' },
          devAllowLocalVendors,
        ),
      ).toMatch(/^CLIENT_METADATA_INVALID: webhook_uri must be an https:\/\/ URL/);
    }
    expect(
      await resolve('https://shop.example/kith.json', { webhook_uri: 'https://hooks.example/in' }, false),
    ).toBe('accepted');
  });

  it('refuses http:// redirect URIs outside development mode', async () => {
    for (const uri of ['http://shop.example/back', 'http://localhost:3000/back', 'http://127.0.0.1/back']) {
      expect(
        await resolve(
          'https://shop.example/kith.json',
          { redirect_uris: ['https://shop.example/ok', uri] },
          false,
        ),
        uri,
      ).toMatch(/^CLIENT_METADATA_INVALID: redirect_uris\.1 must be an https:\/\/ URL/);
      expect(await resolve('https://shop.example/kith.json', { redirect_uris: [uri] }, true), uri).toBe(
        'accepted',
      );
    }
    expect(
      await resolve(
        'https://shop.example/kith.json',
        { redirect_uris: ['https://shop.example/back'] },
        false,
      ),
    ).toBe('accepted');
  });
});
