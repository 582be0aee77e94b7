import type { LookupAddress } from 'node:dns';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { json, startVendorServer, type VendorServer } from '../vendors/vendor-server.fixture.ts';
import type { LookupAll } from './guarded-request.ts';
import { AddressRefusedError, createPinnedFetch } from './pinned-fetch.ts';
import { isLoopbackAddress, isPublicAddress } from './public-address.ts';

describe('createPinnedFetch', () => {
  let vendor: VendorServer;
  let port: string;

  beforeAll(async () => {
    vendor = await startVendorServer();
    port = new URL(vendor.origin).port;
    vendor.route('/doc.json', json({ hello: 'world' }, { 'cache-control': 'max-age=60' }));
    vendor.route('/moved', json('', { location: '/doc.json' }, 302));
    vendor.route('/echo', (req, res) => json({ accept: req.headers.accept })(req, res));
  });
  afterAll(() => vendor?.close());

  const resolvesTo =
    (...addresses: string[]): LookupAll =>
    (_hostname, callback) =>
      callback(
        null,
        addresses.map((address): LookupAddress => ({ address, family: address.includes(':') ? 6 : 4 })),
      );

  it('connects to the address its lookup gave, and answers a real Response', async () => {
    const pinned = createPinnedFetch(isLoopbackAddress, resolvesTo('127.0.0.1'));
    const res = await pinned(`http://vendor.test:${port}/doc.json`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/json');
    expect(res.headers.get('cache-control')).toBe('max-age=60');
    expect(await res.json()).toEqual({ hello: 'world' });
    const echoed = await pinned(`http://vendor.test:${port}/echo`, {
      headers: { accept: 'application/json' },
    });
    expect(await echoed.json()).toEqual({ accept: 'application/json' });
  });

  it('refuses to connect when the name resolves to a refused address at connect time (DNS rebinding)', async () => {
    // A pre-check saw a public address; by the time the socket resolves, the name points here.
    let calls = 0;
    const rebinding: LookupAll = (hostname, callback) =>
      resolvesTo(calls++ === 0 ? '93.184.215.14' : '127.0.0.1')(hostname, callback);
    const pinned = createPinnedFetch(isPublicAddress, rebinding);
    rebinding('vendor.test', () => {});
    const before = vendor.hits('/doc.json');
    await expect(pinned(`http://vendor.test:${port}/doc.json`)).rejects.toBeInstanceOf(AddressRefusedError);
    expect(vendor.hits('/doc.json')).toBe(before);
  });

  it('refuses when any one of the addresses is refused', async () => {
    const pinned = createPinnedFetch(isPublicAddress, resolvesTo('93.184.215.14', '10.0.0.1'));
    await expect(pinned(`http://vendor.test:${port}/doc.json`)).rejects.toBeInstanceOf(AddressRefusedError);
    const none = createPinnedFetch(isPublicAddress, resolvesTo());
    await expect(none(`http://vendor.test:${port}/doc.json`)).rejects.toBeInstanceOf(AddressRefusedError);
  });

  it('never follows a redirect', async () => {
    const pinned = createPinnedFetch(isLoopbackAddress, resolvesTo('127.0.0.1'));
    const res = await pinned(`http://vendor.test:${port}/moved`);
    expect(res.status).toBe(302);
    expect(res.headers.get('location')).toBe('/doc.json');
  });

  it('stops when its signal aborts', async () => {
    vendor.route('/slow', (req, res) => setTimeout(() => json({})(req, res), 1_000));
    const pinned = createPinnedFetch(isLoopbackAddress, resolvesTo('127.0.0.1'));
    await expect(
      pinned(`http://vendor.test:${port}/slow`, { signal: AbortSignal.timeout(50) }),
    ).rejects.toThrow();
  });
});
