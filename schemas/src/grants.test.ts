import { describe, expect, it } from 'vitest';
import { vendorMetadataSchema } from './grants.ts';

const good = {
  client_id: 'https://shop.example/kith.json',
  client_name: 'Shop',
  jwks: { keys: [{ kty: 'OKP', crv: 'Ed25519', x: 'abc' }] },
  redirect_uris: ['https://shop.example/cb'],
};

describe('vendorMetadataSchema', () => {
  it('accepts a plain document', () => {
    expect(vendorMetadataSchema.safeParse(good).success).toBe(true);
  });

  it('refuses URLs that are not http(s), wherever they appear', () => {
    for (const bad of [
      'javascript:alert(1)',
      'data:text/html,<script>1</script>',
      'file:///etc/passwd',
      'ftp://shop.example/x',
    ]) {
      for (const key of ['client_uri', 'logo_uri', 'policy_uri', 'webhook_uri'] as const) {
        expect(vendorMetadataSchema.safeParse({ ...good, [key]: bad }).success).toBe(false);
      }
      expect(vendorMetadataSchema.safeParse({ ...good, redirect_uris: [bad] }).success).toBe(false);
    }
  });
});
