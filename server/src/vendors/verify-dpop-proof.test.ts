import { createHash, generateKeyPairSync, type KeyObject, randomBytes, sign } from 'node:crypto';
import { base64url, calculateJwkThumbprint, type JWK, SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDpopProof } from '../../../client-sdk/src/dpop.ts';
import { generateKeyPair } from '../../../client-sdk/src/key-pair.ts';
import { loadSigningKey } from '../../../client-sdk/src/signing-key.ts';
import { describeEachDatabase } from '../../../test/support/databases.ts';
import { openTestVault, type TestVault } from '../../../test/support/test-vault.ts';
import { KithError } from '../http/kith-error.ts';
import { purgeExpiredJtis } from './replay-cache.ts';
import { type DpopDeps, type VerifyDpopProofInput, verifyDpopProof } from './verify-dpop-proof.ts';

const DATA_URL = 'https://vault.example/v1/data';
const TOKEN = 'eyJhbGciOiJFZERTQSJ9.eyJqdGkiOiJncnRfMSJ9.c2lnbmF0dXJl';

interface TestKey {
  alg: 'EdDSA' | 'ES256';
  privateKey: KeyObject;
  jwk: JWK;
}

function newKey(alg: 'EdDSA' | 'ES256' = 'EdDSA'): TestKey {
  const { privateKey, publicKey } =
    alg === 'EdDSA' ? generateKeyPairSync('ed25519') : generateKeyPairSync('ec', { namedCurve: 'P-256' });
  return { alg, privateKey, jwk: publicKey.export({ format: 'jwk' }) as JWK };
}

const ath = (token: string) => createHash('sha256').update(token).digest('base64url');
const unsigned = (header: object, payload: object, signature = '') =>
  `${base64url.encode(JSON.stringify(header))}.${base64url.encode(JSON.stringify(payload))}.${signature}`;

describeEachDatabase('DPoP proofs (RFC 9449 §4.3)', (database) => {
  let tv: TestVault;
  let deps: DpopDeps;
  const key = newKey();
  const now = () => Math.floor(tv.clock.now() / 1000);

  const claims = (extra: Record<string, unknown> = {}) => ({
    jti: randomBytes(16).toString('base64url'),
    htm: 'GET',
    htu: DATA_URL,
    iat: now(),
    ath: ath(TOKEN),
    ...extra,
  });
  const proof = (
    extra: Record<string, unknown> = {},
    header: Record<string, unknown> = {},
    k: TestKey = key,
  ) =>
    new SignJWT(claims(extra))
      .setProtectedHeader({ alg: k.alg, typ: 'dpop+jwt', jwk: k.jwk, ...header } as never)
      .sign(k.privateKey);
  // Signs what jose would refuse to sign: any header, any payload text.
  const signedBy = (header: object, payload: string) => {
    const signingInput = `${base64url.encode(JSON.stringify(header))}.${base64url.encode(payload)}`;
    return `${signingInput}.${base64url.encode(sign(null, Buffer.from(signingInput), key.privateKey))}`;
  };
  const verify = (dpop: string | undefined, input: Partial<VerifyDpopProofInput> = {}) =>
    verifyDpopProof(deps, { dpop, method: 'GET', path: '/v1/data', accessTokenHash: ath(TOKEN), ...input });
  const refusal = async (promise: Promise<unknown>) => {
    try {
      await promise;
    } catch (error) {
      if (!(error instanceof KithError)) throw error;
      return { code: error.code, reason: String(error.cause), headers: error.headers };
    }
    return { code: 'accepted', reason: '', headers: undefined };
  };

  beforeAll(async () => {
    tv = await openTestVault(database(), { env: { KITH_PUBLIC_URL: 'https://vault.example' } });
    deps = {
      db: tv.vault.db,
      clock: tv.clock,
      config: tv.config,
      ed25519: tv.vault.ed25519,
      dpopProofKeys: tv.vault.dpopProofKeys,
    };
  });
  afterAll(() => tv?.close());

  it('accepts a good proof and answers the RFC 7638 thumbprint of its key', async () => {
    const result = await verify(await proof());
    expect(result.jkt).toBe(await calculateJwkThumbprint(key.jwk, 'sha256'));
  });

  it('accepts a proof made by @kith/client, bound to the thumbprint the SDK reports', async () => {
    const sdkKey = await loadSigningKey((await generateKeyPair({ alg: 'ES256' })).privateJwk);
    const made = await createDpopProof({
      key: sdkKey,
      htm: 'GET',
      htu: `${DATA_URL}?since=3`,
      accessToken: TOKEN,
      now: tv.clock.now(),
    });
    expect((await verify(made)).jkt).toBe(sdkKey.thumbprint);
  });

  it('accepts ES256 as well as EdDSA', async () => {
    const es = newKey('ES256');
    expect((await verify(await proof({}, {}, es))).jkt).toBe(await calculateJwkThumbprint(es.jwk, 'sha256'));
  });

  it('ignores the query and fragment of htu, and accepts a proof without ath when no token is presented', async () => {
    await expect(verify(await proof({ htu: `${DATA_URL}?x=1#y` }))).resolves.toBeDefined();
    await expect(
      verify(await proof({ ath: undefined, htm: 'POST', htu: 'https://vault.example/v1/grants/collect' }), {
        method: 'POST',
        path: '/v1/grants/collect',
        accessTokenHash: undefined,
      }),
    ).resolves.toBeDefined();
  });

  it('compares htu with the public URL, not the address the request reached (behind a proxy)', async () => {
    const viaProxy = await proof({ htu: 'http://10.0.0.5:3000/v1/data' });
    expect((await refusal(verify(viaProxy))).reason).toBe('htu does not match the URL');
  });

  it('accepts iat up to 60 seconds either side of the clock', async () => {
    await expect(verify(await proof({ iat: now() - 60 }))).resolves.toBeDefined();
    await expect(verify(await proof({ iat: now() + 60 }))).resolves.toBeDefined();
  });

  describe('refuses every bad proof with INVALID_DPOP_PROOF, for its own reason', () => {
    const other = newKey();
    const cases: [string, () => Promise<[string | undefined, Partial<VerifyDpopProofInput>?]>, string][] = [
      ['no DPoP header', async () => [undefined], 'no DPoP header'],
      ['an empty DPoP header', async () => [''], 'no DPoP header'],
      ['two DPoP headers', async () => [`${await proof()}, ${await proof()}`], 'more than one DPoP header'],
      ['something that is not a JWT', async () => ['not-a-jwt'], 'the proof is not a compact JWS'],
      [
        'a JWT whose header is not JSON',
        async () => [`${base64url.encode('{nope')}.e30.c2ln`],
        'the proof header is not JSON',
      ],
      [
        'alg none, unsigned',
        async () => [unsigned({ alg: 'none', typ: 'dpop+jwt', jwk: key.jwk }, claims())],
        'the proof is not a compact JWS',
      ],
      [
        'alg none, with a signature',
        async () => [unsigned({ alg: 'none', typ: 'dpop+jwt', jwk: key.jwk }, claims(), 'c2ln')],
        'alg is not EdDSA or ES256',
      ],
      [
        'HS256 keyed with the public key',
        async () => {
          const secret = Buffer.from(JSON.stringify(key.jwk));
          return [
            await new SignJWT(claims())
              .setProtectedHeader({ alg: 'HS256', typ: 'dpop+jwt', jwk: key.jwk } as never)
              .sign(secret),
          ];
        },
        'alg is not EdDSA or ES256',
      ],
      [
        'RS256',
        async () => [unsigned({ alg: 'RS256', typ: 'dpop+jwt', jwk: key.jwk }, claims(), 'c2ln')],
        'alg is not EdDSA or ES256',
      ],
      ['typ JWT', async () => [await proof({}, { typ: 'JWT' })], 'typ is not dpop+jwt'],
      ['no typ', async () => [await proof({}, { typ: undefined })], 'typ is not dpop+jwt'],
      ['no jwk', async () => [await proof({}, { jwk: undefined })], 'jwk: the JWK is not an object'],
      [
        'a private jwk',
        async () => {
          const jwk = key.privateKey.export({ format: 'jwk' });
          return [await proof({}, { jwk })];
        },
        'jwk: the JWK has private key members',
      ],
      [
        'a symmetric jwk',
        async () => [await proof({}, { jwk: { kty: 'oct', k: 'c2VjcmV0' } })],
        'jwk: the JWK has private key members',
      ],
      [
        'a P-256 jwk with alg EdDSA',
        async () => [await proof({}, { jwk: newKey('ES256').jwk })],
        'jwk: the JWK does not match alg',
      ],
      [
        'a jwk that is not a point',
        async () => [await proof({}, { jwk: { ...key.jwk, x: 'AAAA' } })],
        'jwk: the JWK is not a valid key',
      ],
      [
        'a signature by another key than the jwk',
        async () => [await proof({}, { jwk: other.jwk })],
        'the signature does not verify',
      ],
      [
        'a tampered payload',
        async () => {
          const [h, , s] = (await proof()).split('.');
          return [`${h}.${base64url.encode(JSON.stringify(claims({ htm: 'DELETE' })))}.${s}`];
        },
        'the signature does not verify',
      ],
      ['an expired proof (exp)', async () => [await proof({ exp: now() - 1 })], 'exp has passed'],
      ['a proof not yet valid (nbf)', async () => [await proof({ nbf: now() + 30 })], 'nbf is in the future'],
      [
        'a critical extension',
        async () => [
          signedBy(
            { alg: 'EdDSA', typ: 'dpop+jwt', jwk: key.jwk, crit: ['kith-ext'], 'kith-ext': 1 },
            JSON.stringify(claims()),
          ),
        ],
        'crit names an extension we do not support',
      ],
      [
        'a signed payload that is not an object',
        async () => [signedBy({ alg: 'EdDSA', typ: 'dpop+jwt', jwk: key.jwk }, '[1]')],
        'the proof payload is not a JSON object',
      ],
      ['another method', async () => [await proof({ htm: 'POST' })], 'htm does not match the method'],
      ['a lower-case method', async () => [await proof({ htm: 'get' })], 'htm does not match the method'],
      [
        'another path',
        async () => [await proof({ htu: 'https://vault.example/v1/grants/relinquish' })],
        'htu does not match the URL',
      ],
      [
        'another host',
        async () => [await proof({ htu: 'https://evil.example/v1/data' })],
        'htu does not match the URL',
      ],
      [
        'plain http',
        async () => [await proof({ htu: 'http://vault.example/v1/data' })],
        'htu does not match the URL',
      ],
      ['no htu', async () => [await proof({ htu: undefined })], 'htu does not match the URL'],
      [
        'a request path that tries to change the origin',
        async () => [
          await proof({ htu: 'https://evil.example/v1/data' }),
          { path: '//evil.example/v1/data' },
        ],
        'htu does not match the URL',
      ],
      ['a stale iat', async () => [await proof({ iat: now() - 61 })], 'iat is too far from now'],
      ['a future iat', async () => [await proof({ iat: now() + 61 })], 'iat is too far from now'],
      ['no iat', async () => [await proof({ iat: undefined })], 'no iat'],
      [
        'an ath of another token',
        async () => [await proof({ ath: ath(`${TOKEN}x`) })],
        'ath does not match the token',
      ],
      ['no ath with a token', async () => [await proof({ ath: undefined })], 'ath does not match the token'],
      ['no jti', async () => [await proof({ jti: undefined })], 'no jti, or one too short or long'],
      ['a short jti', async () => [await proof({ jti: 'abc' })], 'no jti, or one too short or long'],
      [
        'a replayed proof',
        async () => {
          const once = await proof();
          await verify(once);
          return [once];
        },
        'the jti was used before',
      ],
    ];
    for (const [name, make, reason] of cases) {
      it(`refuses ${name}`, async () => {
        const [dpop, input] = await make();
        const result = await refusal(verify(dpop, input));
        expect(result).toMatchObject({ code: 'INVALID_DPOP_PROOF', reason });
        expect(result.headers?.['www-authenticate']).toBe(
          'DPoP error="invalid_dpop_proof", algs="EdDSA ES256"',
        );
      });
    }
  });

  it('caches a proof header only once a proof with it verified, and only one of a real key’s size', async () => {
    const size = deps.dpopProofKeys.size;
    // Headers that cost their sender nothing: unsigned, signed by another key, long and padded.
    const pad = 'x'.repeat(5_000);
    for (let i = 0; i < 40; i++) {
      const stranger = newKey();
      const header = { alg: 'EdDSA', typ: 'dpop+jwt', jwk: stranger.jwk, pad };
      expect((await refusal(verify(unsigned(header, claims(), 'AAAA')))).reason).toBe(
        'the signature does not verify',
      );
      expect((await refusal(verify(await proof({}, { jwk: stranger.jwk })))).reason).toBe(
        'the signature does not verify',
      );
      // Signed by its own key, but failing a later check: still not a proof that verified.
      expect((await refusal(verify(await proof({ htm: 'POST' }, {}, stranger)))).reason).toBe(
        'htm does not match the method',
      );
    }
    expect(deps.dpopProofKeys.size).toBe(size);

    // A good proof, but a header padded far past any real key's: accepted, parsed each time, never kept.
    const padded = newKey();
    await verify(await proof({}, { pad }, padded));
    expect(deps.dpopProofKeys.size).toBe(size);

    const fresh = newKey();
    await verify(await proof({}, {}, fresh));
    expect(deps.dpopProofKeys.size).toBe(size + 1);
    await verify(await proof({}, {}, fresh));
    expect(deps.dpopProofKeys.size).toBe(size + 1);
  });

  it('lets exactly one of 50 parallel uses of one proof through', async () => {
    const once = await proof();
    const results = await Promise.all([...Array(50)].map(() => refusal(verify(once))));
    expect(results.filter((r) => r.code === 'accepted')).toHaveLength(1);
    expect(results.filter((r) => r.reason === 'the jti was used before')).toHaveLength(49);
  });

  it('keys used jtis by proof key: the same jti from another key is its own', async () => {
    const jti = randomBytes(16).toString('base64url');
    await verify(await proof({ jti }));
    await expect(verify(await proof({ jti }, {}, newKey()))).resolves.toBeDefined();
  });

  it('purges used jtis once their proofs are stale, and a stale proof stays refused', async () => {
    const once = await proof();
    await verify(once);
    const count = () =>
      tv.vault.db
        .selectFrom('dpop_proof_jtis')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .executeTakeFirstOrThrow();
    expect(Number((await count()).n)).toBeGreaterThan(0);
    // The latest-expiring row came from a proof dated 60 s ahead: it lasts until 120 s from now.
    tv.clock.advance(121_000);
    expect((await purgeExpiredJtis(deps)).dpopProofs).toBeGreaterThan(0);
    expect(Number((await count()).n)).toBe(0);
    expect((await refusal(verify(once))).reason).toBe('iat is too far from now');
  });
});
