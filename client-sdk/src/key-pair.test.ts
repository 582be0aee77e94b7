import { calculateJwkThumbprint, importJWK, jwtVerify, SignJWT } from 'jose';
import { describe, expect, it } from 'vitest';
import { generateKeyPair } from './key-pair.ts';

describe('generateKeyPair', () => {
  for (const alg of ['EdDSA', 'ES256'] as const) {
    it(`makes an extractable ${alg} pair whose kid is the public key's RFC 7638 thumbprint`, async () => {
      const { privateJwk, publicJwk } = await generateKeyPair({ alg });
      expect(publicJwk.kid).toBe(await calculateJwkThumbprint(publicJwk, 'sha256'));
      expect(privateJwk.kid).toBe(publicJwk.kid);
      expect(privateJwk).toMatchObject({ alg, use: 'sig' });
      expect(publicJwk).toMatchObject({ alg, use: 'sig' });
      expect(typeof privateJwk.d).toBe('string');
      expect(publicJwk).not.toHaveProperty('d');

      const token = await new SignJWT({ hello: 'vault' })
        .setProtectedHeader({ alg })
        .sign(await importJWK(privateJwk, alg));
      const { payload } = await jwtVerify(token, await importJWK(publicJwk, alg));
      expect(payload.hello).toBe('vault');
    });
  }

  it('defaults to EdDSA (Ed25519)', async () => {
    const { publicJwk } = await generateKeyPair();
    expect(publicJwk).toMatchObject({ kty: 'OKP', crv: 'Ed25519', alg: 'EdDSA' });
  });

  it('makes a different key every time', async () => {
    const [a, b] = await Promise.all([generateKeyPair(), generateKeyPair()]);
    expect(a.publicJwk.kid).not.toBe(b.publicJwk.kid);
  });
});
