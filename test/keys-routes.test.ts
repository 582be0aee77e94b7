import { type Discovery, discoverySchema, profileFields, purposeIds } from '@kith/schemas';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeEachDatabase } from './support/databases.ts';
import { requestJson } from './support/http.ts';
import { openTestVault, type TestVault } from './support/test-vault.ts';

interface Jwks {
  keys: { kid: string; kty: string; crv: string; x: string; alg: string; use: string; d?: string }[];
}

describeEachDatabase('discovery and JWKS endpoints', (database) => {
  let tv: TestVault;

  beforeAll(async () => {
    tv = await openTestVault(database(), { env: { KITH_PUBLIC_URL: 'https://vault.example' } });
  });
  afterAll(() => tv?.close());

  it('publishes the current and next Ed25519 public keys, cacheable for a short while', async () => {
    const res = await requestJson<Jwks>(tv.app, '/.well-known/jwks.json');
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toBe('public, max-age=300');
    expect(res.body.keys).toHaveLength(2);
    for (const key of res.body.keys) {
      expect(key).toEqual({ kty: 'OKP', crv: 'Ed25519', x: key.x, kid: key.kid, alg: 'EdDSA', use: 'sig' });
    }
    const again = await requestJson<Jwks>(tv.app, '/.well-known/jwks.json');
    expect(again.body).toEqual(res.body);
  });

  it('describes the vault: issuer and endpoints on the public URL, fields, purposes and algorithms', async () => {
    const res = await requestJson<Discovery>(tv.app, '/.well-known/kith');
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toMatch(/^public, max-age=\d+$/);
    expect(discoverySchema.parse(res.body)).toEqual(res.body);
    expect(res.body).toMatchObject({
      issuer: 'https://vault.example',
      jwks_uri: 'https://vault.example/.well-known/jwks.json',
      grant_request_endpoint: 'https://vault.example/v1/grant-requests',
      grant_collect_endpoint: 'https://vault.example/v1/grants/collect',
      data_endpoint: 'https://vault.example/v1/data',
      relinquish_endpoint: 'https://vault.example/v1/grants/relinquish',
      approve_endpoint: 'https://vault.example/approve',
      grant_signing_alg_values_supported: ['EdDSA'],
      dpop_signing_alg_values_supported: ['EdDSA', 'ES256'],
      token_endpoint_auth_signing_alg_values_supported: ['EdDSA', 'ES256'],
    });
    expect(res.body.fields_supported).toEqual(profileFields.map((f) => f.path));
    expect(res.body.purposes_supported.map((p) => p.id)).toEqual(purposeIds);
    expect(res.body.purposes_supported.find((p) => p.id === 'delivery')).toEqual({
      id: 'delivery',
      dpv: 'dpv:DeliveryOfGoods',
      label: 'Deliver your order',
    });
  });

  it('lists both in the OpenAPI document', async () => {
    const res = await requestJson<{ paths: Record<string, unknown> }>(tv.app, '/openapi.json');
    expect(Object.keys(res.body.paths)).toEqual(
      expect.arrayContaining(['/.well-known/jwks.json', '/.well-known/kith']),
    );
  });
});
