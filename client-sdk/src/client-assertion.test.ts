import { CLIENT_ASSERTION_TYPE } from '@kith/schemas';
import { decodeJwt, decodeProtectedHeader, importJWK, jwtVerify } from 'jose';
import { beforeAll, describe, expect, it } from 'vitest';
import { CLIENT_ASSERTION_LIFETIME_SECONDS, createClientAssertion } from './client-assertion.ts';
import { generateKeyPair, type KeyPair } from './key-pair.ts';
import { loadSigningKey, type SigningKey } from './signing-key.ts';

const clientId = 'https://shop.example/.well-known/kith-client.json';
const audience = 'https://vault.example';
const now = Date.UTC(2030, 0, 1, 12, 0, 0);

describe('createClientAssertion', () => {
  let pair: KeyPair;
  let key: SigningKey;
  beforeAll(async () => {
    pair = await generateKeyPair();
    key = await loadSigningKey(pair.privateJwk);
  });

  it('signs an RFC 7523 assertion a vault verifies with the key from the metadata document', async () => {
    const assertion = await createClientAssertion({ key, clientId, audience, now });
    const { payload, protectedHeader } = await jwtVerify(
      assertion,
      await importJWK(pair.publicJwk, 'EdDSA'),
      {
        issuer: clientId,
        subject: clientId,
        audience,
        typ: 'JWT',
        algorithms: ['EdDSA'],
        currentDate: new Date(now),
      },
    );
    expect(protectedHeader).toEqual({ alg: 'EdDSA', kid: pair.publicJwk.kid, typ: 'JWT' });
    expect(payload.iat).toBe(now / 1000);
    expect(payload.exp).toBe(now / 1000 + CLIENT_ASSERTION_LIFETIME_SECONDS);
    expect(payload.jti).toMatch(/^[A-Za-z0-9_-]{22}$/);
    expect(Object.keys(payload).sort()).toEqual(['aud', 'exp', 'iat', 'iss', 'jti', 'sub']);
  });

  it('is useless a minute later', async () => {
    const assertion = await createClientAssertion({ key, clientId, audience, now });
    await expect(
      jwtVerify(assertion, await importJWK(pair.publicJwk, 'EdDSA'), { currentDate: new Date(now + 61_000) }),
    ).rejects.toMatchObject({ code: 'ERR_JWT_EXPIRED' });
  });

  it('has a fresh jti every time, even within one second', async () => {
    const jtis = new Set<unknown>();
    for (let i = 0; i < 20; i++) {
      jtis.add(decodeJwt(await createClientAssertion({ key, clientId, audience, now })).jti);
    }
    expect(jtis.size).toBe(20);
  });

  it('signs with ES256 keys too', async () => {
    const es = await generateKeyPair({ alg: 'ES256' });
    const assertion = await createClientAssertion({
      key: await loadSigningKey(es.privateJwk),
      clientId,
      audience,
      now,
    });
    expect(decodeProtectedHeader(assertion)).toMatchObject({ alg: 'ES256', kid: es.publicJwk.kid });
  });

  it('uses the assertion type of RFC 7523 §2.2', () => {
    expect(CLIENT_ASSERTION_TYPE).toBe('urn:ietf:params:oauth:client-assertion-type:jwt-bearer');
  });
});
