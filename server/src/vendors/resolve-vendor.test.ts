import { generateKeyPairSync } from 'node:crypto';
import type { VendorMetadata } from '@kith/schemas';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeEachDatabase } from '../../../test/support/databases.ts';
import { openTestVault, type TestVault } from '../../../test/support/test-vault.ts';
import { KithError } from '../http/kith-error.ts';
import { METADATA_MAX_BYTES, resolveVendor, type VendorDeps } from './resolve-vendor.ts';
import { json, startVendorServer, type VendorServer } from './vendor-server.fixture.ts';

const edJwk = () => generateKeyPairSync('ed25519').publicKey.export({ format: 'jwk' });
const ecJwk = () => generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey.export({ format: 'jwk' });

function document(clientId: string, extra: Partial<VendorMetadata> = {}): VendorMetadata {
  return {
    client_id: clientId,
    client_name: 'Corner Shop',
    jwks: { keys: [{ ...edJwk(), kid: 'k1', alg: 'EdDSA', use: 'sig' }, ecJwk()] },
    redirect_uris: [],
    ...extra,
  };
}

async function failure(promise: Promise<unknown>): Promise<{ code: string; detail?: string }> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof KithError)
      return { code: error.code, ...(error.detail ? { detail: error.detail } : {}) };
    throw error;
  }
  return { code: 'accepted' };
}

describeEachDatabase('vendor metadata documents', (database) => {
  let tv: TestVault;
  let vendor: VendorServer;
  let deps: VendorDeps;

  beforeAll(async () => {
    tv = await openTestVault(database(), { env: { KITH_DEV_ALLOW_LOCAL_VENDORS: 'true' } });
    vendor = await startVendorServer();
    deps = {
      db: tv.vault.db,
      clock: tv.clock,
      config: tv.config,
      vendorFetches: tv.vault.vendorFetches,
      metadataTimeoutMs: 300,
    };
  });
  afterAll(async () => {
    await vendor?.close();
    await tv?.close();
  });

  it('fetches a document over real HTTP, validates it and caches it for an hour by default', async () => {
    const clientId = `${vendor.origin}/good.json`;
    const served = document(clientId);
    vendor.route('/good.json', json(served));
    const first = await resolveVendor(deps, clientId);
    expect(first).toEqual({
      clientId,
      metadata: served,
      fetchedAt: tv.clock.now(),
      expiresAt: tv.clock.now() + 3_600_000,
    });
    expect(await resolveVendor(deps, clientId)).toEqual(first);
    expect(vendor.hits('/good.json')).toBe(1);
    const row = await tv.vault.db
      .selectFrom('vendors')
      .selectAll()
      .where('client_id', '=', clientId)
      .executeTakeFirstOrThrow();
    expect(row).toMatchObject({
      fetched_at: tv.clock.now(),
      expires_at: tv.clock.now() + 3_600_000,
      webhook_secret_sealed: null,
    });
  });

  it('fetches again once the cached copy is stale, and keeps the new one', async () => {
    const clientId = `${vendor.origin}/changing.json`;
    vendor.route('/changing.json', json(document(clientId, { client_name: 'Before' })));
    await resolveVendor(deps, clientId);
    vendor.route('/changing.json', json(document(clientId, { client_name: 'After' })));
    tv.clock.advance(3_599_000);
    expect((await resolveVendor(deps, clientId)).metadata.client_name).toBe('Before');
    tv.clock.advance(1_000);
    expect((await resolveVendor(deps, clientId)).metadata.client_name).toBe('After');
    expect(vendor.hits('/changing.json')).toBe(2);
  });

  it('caches for the Cache-Control max-age, clamped between 5 minutes and 24 hours', async () => {
    const cases: [string, number][] = [
      ['max-age=600', 600_000],
      ['public, max-age=60', 300_000],
      ['max-age=9999999', 86_400_000],
      ['no-store', 300_000],
      ['no-cache, max-age=7200', 300_000],
      ['max-age=abc', 3_600_000],
    ];
    for (const [index, [cacheControl, lifetime]] of cases.entries()) {
      const clientId = vendor.route(`/cache-${index}.json`, () => {});
      vendor.route(`/cache-${index}.json`, json(document(clientId), { 'cache-control': cacheControl }));
      expect((await resolveVendor(deps, clientId)).expiresAt - tv.clock.now(), cacheControl).toBe(lifetime);
    }
  });

  it('shares one fetch between concurrent resolutions of one vendor', async () => {
    const clientId = `${vendor.origin}/busy.json`;
    vendor.route('/busy.json', (req, res) => setTimeout(() => json(document(clientId))(req, res), 50));
    await Promise.all([...Array(10)].map(() => resolveVendor(deps, clientId)));
    expect(vendor.hits('/busy.json')).toBe(1);
  });

  it('fails closed when a stale copy cannot be refreshed', async () => {
    const clientId = `${vendor.origin}/gone.json`;
    vendor.route('/gone.json', json(document(clientId)));
    await resolveVendor(deps, clientId);
    vendor.route('/gone.json', json({}, {}, 404));
    tv.clock.advance(3_600_000);
    expect((await failure(resolveVendor(deps, clientId))).code).toBe('CLIENT_METADATA_INVALID');
  });

  describe('refuses every unusable document with CLIENT_METADATA_INVALID', () => {
    const big = 'x'.repeat(METADATA_MAX_BYTES);
    const cases: [string, (clientId: string) => Parameters<VendorServer['route']>[1], RegExp][] = [
      ['a 404', () => json({}, {}, 404), /HTTP 404/],
      ['a 500', () => json({}, {}, 500), /HTTP 500/],
      [
        'a redirect, even to a good document',
        (clientId) => json('', { location: `${clientId.replace(/[^/]+$/, '')}good.json` }, 302),
        /HTTP 302/,
      ],
      [
        'text/html',
        (clientId) => json(document(clientId), { 'content-type': 'text/html' }),
        /application\/json/,
      ],
      [
        'text/plain',
        (clientId) => json(document(clientId), { 'content-type': 'text/plain' }),
        /application\/json/,
      ],
      [
        'application/jwk-set+json',
        (clientId) => json(document(clientId), { 'content-type': 'application/jwk-set+json' }),
        /application\/json/,
      ],
      [
        'a body over 64 KiB with no Content-Length',
        (clientId) => (_req, res) => {
          res.writeHead(200, { 'content-type': 'application/json' });
          res.write(JSON.stringify({ ...document(clientId), padding: big }).slice(0, 40_000));
          res.end(big);
        },
        /larger than 65536 bytes/,
      ],
      [
        'a declared Content-Length over 64 KiB',
        (clientId) => json({ ...document(clientId), padding: big }),
        /larger than 65536 bytes/,
      ],
      [
        'a slow answer',
        (clientId) => (req, res) => setTimeout(() => json(document(clientId))(req, res), 1_000),
        /could not be fetched/,
      ],
      [
        'a body that trickles in too slowly',
        () => (_req, res) => {
          res.writeHead(200, { 'content-type': 'application/json' });
          res.write('{"client_id":');
          setTimeout(() => res.end('"x"}'), 1_000);
        },
        /could not be read in time/,
      ],
      ['invalid JSON', () => json('{"client_id": '), /not valid JSON/],
      ['a JSON array', () => json([]), /metadata schema/],
      ['no jwks', (clientId) => json({ ...document(clientId), jwks: undefined }), /metadata schema at: jwks/],
      [
        'an empty jwks',
        (clientId) => json(document(clientId, { jwks: { keys: [] } })),
        /metadata schema at: jwks.keys/,
      ],
      ['another client_id', (clientId) => json(document(`${clientId}x`)), /client_id is not the URL/],
      [
        'a private key in jwks',
        (clientId) =>
          json(
            document(clientId, {
              jwks: { keys: [generateKeyPairSync('ed25519').privateKey.export({ format: 'jwk' })] },
            }),
          ),
        /jwks.keys.0: the JWK has private key members/,
      ],
      [
        'a symmetric key in jwks',
        (clientId) => json(document(clientId, { jwks: { keys: [{ kty: 'oct', k: 'c2VjcmV0' }] } })),
        /private key members/,
      ],
      [
        'an RSA key in jwks',
        (clientId) =>
          json(
            document(clientId, {
              jwks: {
                keys: [
                  generateKeyPairSync('rsa', { modulusLength: 2048 }).publicKey.export({ format: 'jwk' }),
                ],
              },
            }),
          ),
        /not an Ed25519 or P-256 key/,
      ],
      [
        'a P-384 key in jwks',
        (clientId) =>
          json(
            document(clientId, {
              jwks: {
                keys: [
                  generateKeyPairSync('ec', { namedCurve: 'P-384' }).publicKey.export({ format: 'jwk' }),
                ],
              },
            }),
          ),
        /not an Ed25519 or P-256 key/,
      ],
      [
        'a key naming another alg',
        (clientId) => json(document(clientId, { jwks: { keys: [{ ...edJwk(), alg: 'ES256' }] } })),
        /names another alg/,
      ],
      [
        'an encryption key',
        (clientId) => json(document(clientId, { jwks: { keys: [{ ...edJwk(), use: 'enc' }] } })),
        /not for signatures/,
      ],
      [
        'a key that is not a point',
        (clientId) => json(document(clientId, { jwks: { keys: [{ ...ecJwk(), y: 'AAAA' }] } })),
        /not a valid key/,
      ],
    ];
    for (const [index, [name, handler, detail]] of cases.entries()) {
      it(`refuses ${name}`, async () => {
        const path = `/bad-${index}.json`;
        const clientId = `${vendor.origin}${path}`;
        vendor.route(path, handler(clientId));
        const result = await failure(resolveVendor(deps, clientId));
        expect(result.code).toBe('CLIENT_METADATA_INVALID');
        expect(result.detail).toMatch(detail);
        expect(
          await tv.vault.db
            .selectFrom('vendors')
            .select('client_id')
            .where('client_id', '=', clientId)
            .executeTakeFirst(),
        ).toBeUndefined();
      });
    }
  });

  it('refuses client ids that are not one plain URL in normal form', async () => {
    vendor.route('/good.json', json(document(`${vendor.origin}/good.json`)));
    for (const clientId of [
      'shop',
      '',
      `${vendor.origin}/good.json#frag`,
      `${vendor.origin.replace('http://', 'http://user:pw@')}/good.json`,
      `${vendor.origin.replace('127.0.0.1', '127.000.000.001')}/good.json`,
      `${vendor.origin}/./good.json`,
      `${vendor.origin.replace('127.0.0.1', 'LOCALHOST')}/good.json`,
      `${vendor.origin}/good.json`.padEnd(2100, 'x'),
      `ftp://127.0.0.1/good.json`,
    ]) {
      expect((await failure(resolveVendor(deps, clientId))).code, clientId).toBe('CLIENT_METADATA_INVALID');
    }
  });
});

describeEachDatabase('vendor client ids on private addresses (SSRF guard)', (database) => {
  let tv: TestVault;
  const fetched: string[] = [];
  const publicDocument = (url: string) =>
    new Response(JSON.stringify(document(url)), { headers: { 'content-type': 'application/json' } });
  const guarded = (devAllowLocalVendors: boolean, lookup?: VendorDeps['lookup']): VendorDeps => ({
    db: tv.vault.db,
    clock: tv.clock,
    config: { devAllowLocalVendors },
    vendorFetches: tv.vault.vendorFetches,
    fetch: async (url) => {
      fetched.push(String(url));
      return publicDocument(String(url));
    },
    ...(lookup ? { lookup } : {}),
  });

  beforeAll(async () => {
    tv = await openTestVault(database());
  });
  afterAll(() => tv?.close());

  it('is off by default: KITH_DEV_ALLOW_LOCAL_VENDORS defaults to false', () => {
    expect(tv.config.devAllowLocalVendors).toBe(false);
  });

  it('refuses every loopback, private, link-local and unique-local address form, without fetching', async () => {
    for (const spelling of [
      'http://127.0.0.1:3000/kith.json',
      'http://localhost:3000/kith.json',
      'http://vendor.example/kith.json',
      'https://127.0.0.1/kith.json',
      'https://127.8.9.10/kith.json',
      'https://localhost/kith.json',
      'https://[::1]/kith.json',
      'https://[::ffff:127.0.0.1]/kith.json',
      'https://[::ffff:a9fe:a9fe]/kith.json',
      'https://[64:ff9b::a00:1]/kith.json',
      'https://2130706433/kith.json',
      'https://0x7f.1/kith.json',
      'https://0.0.0.0/kith.json',
      'https://10.0.0.1/kith.json',
      'https://172.16.5.4/kith.json',
      'https://192.168.1.1/kith.json',
      'https://169.254.169.254/kith.json',
      'https://100.64.0.1/kith.json',
      'https://[fd00::1]/kith.json',
      'https://[fc00::1]/kith.json',
      'https://[fe80::1]/kith.json',
      'https://[ff02::1]/kith.json',
    ]) {
      // Each in the normal form the URL parser gives it (0x7f.1 is 127.0.0.1), so only the address guard can refuse it.
      const clientId = new URL(spelling).href;
      expect((await failure(resolveVendor(guarded(false), clientId))).code, clientId).toBe(
        'CLIENT_METADATA_INVALID',
      );
    }
    expect(fetched).toEqual([]);
  });

  it('checks every address a host name resolves to, IPv4 and IPv6', async () => {
    const resolving = (...addresses: string[]) =>
      guarded(false, async () =>
        addresses.map((address) => ({ address, family: address.includes(':') ? 6 : 4 })),
      );
    for (const addresses of [
      ['10.0.0.5'],
      ['93.184.215.14', '10.0.0.5'],
      ['93.184.215.14', '::1'],
      ['2606:4700::1', 'fd00::5'],
      ['::ffff:192.168.0.1'],
      [],
    ]) {
      expect(
        (await failure(resolveVendor(resolving(...addresses), 'https://vendor.example/kith.json'))).code,
        addresses.join(),
      ).toBe('CLIENT_METADATA_INVALID');
    }
    const unresolvable = guarded(false, async () => {
      throw new Error('ENOTFOUND');
    });
    expect((await failure(resolveVendor(unresolvable, 'https://vendor.example/kith.json'))).detail).toMatch(
      /does not resolve/,
    );
    expect(fetched).toEqual([]);
  });

  it('checks the address again when it connects, so a name that re-resolves to a private one gets nowhere', async () => {
    const asked: string[] = [];
    const rebinding: VendorDeps = {
      db: tv.vault.db,
      clock: tv.clock,
      config: { devAllowLocalVendors: false },
      vendorFetches: tv.vault.vendorFetches,
      lookup: async (hostname) => {
        asked.push(hostname);
        return [{ address: asked.length === 1 ? '93.184.215.14' : '127.0.0.1', family: 4 }];
      },
    };
    const result = await failure(resolveVendor(rebinding, 'https://rebind.example/kith.json'));
    expect(result).toEqual({ code: 'CLIENT_METADATA_INVALID', detail: 'The document could not be fetched.' });
    expect(asked).toEqual(['rebind.example', 'rebind.example']);
  });

  it('fetches a client id whose every address is public', async () => {
    const deps = guarded(false, async () => [
      { address: '93.184.215.14', family: 4 },
      { address: '2606:2800:21f:cb07:6820:80da:af6b:8b2c', family: 6 },
    ]);
    const vendor = await resolveVendor(deps, 'https://vendor.example/kith.json');
    expect(vendor.metadata.client_name).toBe('Corner Shop');
    expect(fetched).toEqual(['https://vendor.example/kith.json']);
  });

  it('in development mode admits this machine only, never other private addresses', async () => {
    fetched.length = 0;
    const dev = guarded(true, async () => [{ address: '10.0.0.5', family: 4 }]);
    expect((await resolveVendor(dev, 'http://localhost:4000/kith.json')).clientId).toBe(
      'http://localhost:4000/kith.json',
    );
    expect((await resolveVendor(dev, 'http://127.0.0.1:4000/kith.json')).clientId).toBe(
      'http://127.0.0.1:4000/kith.json',
    );
    for (const clientId of [
      'http://dev.example/kith.json',
      'https://dev.example/kith.json',
      'https://10.0.0.1/kith.json',
      'http://192.168.1.1/kith.json',
    ]) {
      expect((await failure(resolveVendor(dev, clientId))).code, clientId).toBe('CLIENT_METADATA_INVALID');
    }
    expect(fetched).toEqual(['http://localhost:4000/kith.json', 'http://127.0.0.1:4000/kith.json']);
  });
});
