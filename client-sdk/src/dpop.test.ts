import { base64url, calculateJwkThumbprint, decodeJwt, EmbeddedJWK, jwtVerify } from 'jose';
import { beforeAll, describe, expect, it } from 'vitest';
import { accessTokenHash, createDpopProof, dpopHtu } from './dpop.ts';
import { generateKeyPair, type KeyPair } from './key-pair.ts';
import { loadSigningKey, type SigningKey } from './signing-key.ts';

const now = Date.UTC(2030, 0, 1, 12, 0, 0);

describe('createDpopProof', () => {
  let pair: KeyPair;
  let key: SigningKey;
  beforeAll(async () => {
    pair = await generateKeyPair();
    key = await loadSigningKey(pair.privateJwk);
  });

  it('signs an RFC 9449 proof that verifies with the public key in its own header', async () => {
    const proof = await createDpopProof({ key, htm: 'get', htu: 'https://vault.example/v1/data', now });
    const { payload, protectedHeader } = await jwtVerify(proof, EmbeddedJWK, {
      typ: 'dpop+jwt',
      algorithms: ['EdDSA'],
      currentDate: new Date(now),
    });
    expect(protectedHeader.alg).toBe('EdDSA');
    expect(protectedHeader.jwk).toEqual(pair.publicJwk);
    expect(payload).toEqual({
      htm: 'GET',
      htu: 'https://vault.example/v1/data',
      iat: now / 1000,
      jti: expect.stringMatching(/^[A-Za-z0-9_-]{22}$/),
    });
  });

  it('never puts the private key in its header', async () => {
    for (const alg of ['EdDSA', 'ES256'] as const) {
      const signingKey = await loadSigningKey((await generateKeyPair({ alg })).privateJwk);
      const proof = await createDpopProof({
        key: signingKey,
        htm: 'GET',
        htu: 'https://vault.example/',
        now,
      });
      const header = JSON.parse(new TextDecoder().decode(base64url.decode(proof.split('.')[0] as string)));
      expect(Object.keys(header.jwk).sort()).toEqual(
        alg === 'EdDSA'
          ? ['alg', 'crv', 'kid', 'kty', 'use', 'x']
          : ['alg', 'crv', 'kid', 'kty', 'use', 'x', 'y'],
      );
    }
  });

  it("binds the grant with ath = base64url(SHA-256(grant)) and its key's thumbprint is the grant's cnf.jkt", async () => {
    const grant = 'eyJhbGciOiJFZERTQSJ9.eyJpc3MiOiJodHRwczovL3ZhdWx0LmV4YW1wbGUifQ.c2ln';
    const proof = await createDpopProof({
      key,
      htm: 'GET',
      htu: 'https://vault.example/v1/data',
      accessToken: grant,
      now,
    });
    const { payload, protectedHeader } = await jwtVerify(proof, EmbeddedJWK, { currentDate: new Date(now) });
    const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(grant)));
    expect(payload.ath).toBe(base64url.encode(digest));
    expect(payload.ath).toBe(await accessTokenHash(grant));
    expect(await calculateJwkThumbprint(protectedHeader.jwk as never)).toBe(key.thumbprint);
  });

  it('leaves out the query and fragment from htu (RFC 9449 §4.2)', async () => {
    for (const [url, htu] of [
      ['https://vault.example/v1/data?fields=email#top', 'https://vault.example/v1/data'],
      ['https://vault.example/v1/data?', 'https://vault.example/v1/data'],
      ['https://vault.example/v1/data#x', 'https://vault.example/v1/data'],
      ['http://localhost:3000/v1/data?a=1&b=2', 'http://localhost:3000/v1/data'],
    ] as const) {
      expect(dpopHtu(url)).toBe(htu);
      const proof = await createDpopProof({ key, htm: 'GET', htu: url, now });
      expect(decodeJwt(proof).htu).toBe(htu);
    }
  });

  it('has a fresh jti on every proof', async () => {
    const jtis = new Set<unknown>();
    for (let i = 0; i < 20; i++) {
      jtis.add(
        decodeJwt(await createDpopProof({ key, htm: 'GET', htu: 'https://vault.example/v1/data', now })).jti,
      );
    }
    expect(jtis.size).toBe(20);
  });

  it('carries a server nonce when given one', async () => {
    const proof = await createDpopProof({
      key,
      htm: 'POST',
      htu: 'https://vault.example/x',
      nonce: 'n-1',
      now,
    });
    expect(decodeJwt(proof).nonce).toBe('n-1');
  });
});
