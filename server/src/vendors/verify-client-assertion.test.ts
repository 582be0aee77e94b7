import { createPublicKey, randomBytes } from 'node:crypto';
import { CLIENT_ASSERTION_TYPE, GRANT_TOKEN_TYPE } from '@kith/schemas';
import { base64url, type JWTPayload, SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClientAssertion } from '../../../client-sdk/src/client-assertion.ts';
import { generateKeyPair } from '../../../client-sdk/src/key-pair.ts';
import { buildMetadataDocument } from '../../../client-sdk/src/metadata-document.ts';
import { loadSigningKey, type SigningKey } from '../../../client-sdk/src/signing-key.ts';
import { describeEachDatabase } from '../../../test/support/databases.ts';
import { openTestVault, type TestVault } from '../../../test/support/test-vault.ts';
import { KithError } from '../http/kith-error.ts';
import { purgeExpiredJtis } from './replay-cache.ts';
import { json, startVendorServer, type VendorServer } from './vendor-server.fixture.ts';
import {
  type AuthenticateVendorInput,
  authenticateVendor,
  type VendorDeps,
} from './verify-client-assertion.ts';

const ISSUER = 'http://localhost:3000';
const ENDPOINT = `${ISSUER}/v1/grant-requests`;

describeEachDatabase('vendor authentication with private_key_jwt (RFC 7523)', (database) => {
  let tv: TestVault;
  let vendor: VendorServer;
  let deps: VendorDeps;
  let ed: SigningKey;
  let es: SigningKey;
  let stranger: SigningKey;
  let clientId: string;
  let otherClientId: string;
  const now = () => Math.floor(tv.clock.now() / 1000);

  beforeAll(async () => {
    tv = await openTestVault(database(), { env: { KITH_DEV_ALLOW_LOCAL_VENDORS: 'true' } });
    deps = { db: tv.vault.db, clock: tv.clock, config: tv.config, vendorFetches: tv.vault.vendorFetches };
    vendor = await startVendorServer();
    ed = await loadSigningKey((await generateKeyPair()).privateJwk);
    es = await loadSigningKey((await generateKeyPair({ alg: 'ES256' })).privateJwk);
    stranger = await loadSigningKey((await generateKeyPair()).privateJwk);
    clientId = `${vendor.origin}/kith-client.json`;
    otherClientId = `${vendor.origin}/other-client.json`;
    const options = { clientName: 'Corner Shop', redirectUris: [`${vendor.origin}/back`] };
    vendor.route(
      '/kith-client.json',
      json(
        buildMetadataDocument(clientId, ed.publicJwk, { ...options, additionalPublicJwks: [es.publicJwk] }),
      ),
    );
    vendor.route(
      '/other-client.json',
      json(buildMetadataDocument(otherClientId, stranger.publicJwk, options)),
    );
  });
  afterAll(async () => {
    await vendor?.close();
    await tv?.close();
  });

  const claims = (extra: JWTPayload = {}): JWTPayload => ({
    iss: clientId,
    sub: clientId,
    aud: ISSUER,
    iat: now(),
    exp: now() + 60,
    jti: randomBytes(16).toString('base64url'),
    ...extra,
  });
  const assertion = (extra: JWTPayload = {}, header: Record<string, unknown> = {}, key: SigningKey = ed) =>
    new SignJWT(claims(extra))
      .setProtectedHeader({ alg: key.alg, kid: key.kid, typ: 'JWT', ...header } as never)
      .sign(key.key);
  const authenticate = (clientAssertion: string | undefined, input: Partial<AuthenticateVendorInput> = {}) =>
    authenticateVendor(deps, {
      clientAssertionType: CLIENT_ASSERTION_TYPE,
      clientAssertion,
      endpoint: ENDPOINT,
      ...input,
    });
  const outcome = async (promise: Promise<unknown>) => {
    try {
      await promise;
    } catch (error) {
      if (!(error instanceof KithError)) throw error;
      return { code: error.code, reason: String(error.cause), detail: error.detail };
    }
    return { code: 'accepted', reason: '', detail: undefined };
  };

  it('authenticates an assertion made by @kith/client and answers the vendor and its metadata', async () => {
    const made = await createClientAssertion({ key: ed, clientId, audience: ISSUER, now: tv.clock.now() });
    const { clientId: authenticated, metadata } = await authenticate(made);
    expect(authenticated).toBe(clientId);
    expect(metadata).toMatchObject({
      client_id: clientId,
      client_name: 'Corner Shop',
      redirect_uris: [`${vendor.origin}/back`],
    });
  });

  it('accepts ES256, an assertion without kid, the endpoint URL as aud, and a one-element aud array', async () => {
    for (const made of [
      await assertion({}, {}, es),
      await assertion({}, { kid: undefined }),
      await assertion({}, { kid: undefined }, es),
      await assertion({ aud: ENDPOINT }),
      await assertion({ aud: [ISSUER] }),
      await assertion({ iat: undefined }),
      await assertion({}, { typ: undefined }),
    ]) {
      expect((await outcome(authenticate(made))).code).toBe('accepted');
    }
  });

  describe('refuses every bad assertion with one identical INVALID_CLIENT, for its own reason', () => {
    const cases: [string, () => Promise<[string | undefined, Partial<AuthenticateVendorInput>?]>, string][] =
      [
        [
          'another assertion type',
          async () => [
            await assertion(),
            { clientAssertionType: 'urn:ietf:params:oauth:client-assertion-type:saml2-bearer' },
          ],
          'wrong client_assertion_type',
        ],
        [
          'no assertion type',
          async () => [await assertion(), { clientAssertionType: undefined }],
          'wrong client_assertion_type',
        ],
        ['no assertion', async () => [undefined], 'the assertion is not a compact JWS'],
        ['something that is not a JWT', async () => ['nope'], 'the assertion is not a compact JWS'],
        [
          'a JWT that does not decode',
          async () => [`${base64url.encode('{')}.${base64url.encode('{')}.c2ln`],
          'the assertion does not decode',
        ],
        [
          'alg none',
          async () => [
            `${base64url.encode(JSON.stringify({ alg: 'none', kid: ed.kid }))}.${base64url.encode(JSON.stringify(claims()))}.c2ln`,
          ],
          'alg is not EdDSA or ES256',
        ],
        [
          'HS256 keyed with the public key',
          async () => {
            const secret = createPublicKey({ key: ed.publicJwk as never, format: 'jwk' }).export({
              format: 'der',
              type: 'spki',
            });
            return [
              await new SignJWT(claims()).setProtectedHeader({ alg: 'HS256', kid: ed.kid }).sign(secret),
            ];
          },
          'alg is not EdDSA or ES256',
        ],
        [
          'typ of a grant token',
          async () => [await assertion({}, { typ: GRANT_TOKEN_TYPE })],
          'typ names another kind of token',
        ],
        [
          'typ of a DPoP proof',
          async () => [await assertion({}, { typ: 'application/DPoP+JWT' })],
          'typ names another kind of token',
        ],
        [
          'no iss',
          async () => [await assertion({ iss: undefined })],
          'iss and sub are not the same client id',
        ],
        [
          'sub other than iss',
          async () => [await assertion({ sub: otherClientId })],
          'iss and sub are not the same client id',
        ],
        [
          'iss of another vendor, signed with our key (without kid)',
          async () => [await assertion({ iss: otherClientId, sub: otherClientId }, { kid: undefined })],
          'the signature or a registered claim does not verify',
        ],
        [
          'another audience',
          async () => [await assertion({ aud: 'https://other-vault.example' })],
          'aud is not this vault',
        ],
        [
          'a path of ours that is not the endpoint',
          async () => [await assertion({ aud: `${ISSUER}/v1/data` })],
          'aud is not this vault',
        ],
        [
          'two audiences',
          async () => [await assertion({ aud: [ISSUER, 'https://other-vault.example'] })],
          'aud is not this vault',
        ],
        ['no aud', async () => [await assertion({ aud: undefined })], 'aud is not this vault'],
        [
          'an expired assertion',
          async () => [await assertion({ iat: now() - 120, exp: now() - 1 })],
          'the signature or a registered claim does not verify',
        ],
        [
          'no exp',
          async () => [await assertion({ exp: undefined })],
          'the signature or a registered claim does not verify',
        ],
        [
          'a future nbf',
          async () => [await assertion({ nbf: now() + 120 })],
          'the signature or a registered claim does not verify',
        ],
        ['exp too far after iat', async () => [await assertion({ exp: now() + 301 })], 'exp is too far away'],
        [
          'exp too far from now without iat',
          async () => [await assertion({ iat: undefined, exp: now() + 301 })],
          'exp is too far away',
        ],
        [
          'exp close to an old iat but far from now',
          async () => [await assertion({ iat: now() - 200, exp: now() + 250 })],
          'exp is too far away',
        ],
        [
          'iat in the future',
          async () => [await assertion({ iat: now() + 120, exp: now() + 180 })],
          'iat is in the future',
        ],
        [
          'no jti',
          async () => [await assertion({ jti: undefined })],
          'the signature or a registered claim does not verify',
        ],
        ['a short jti', async () => [await assertion({ jti: 'abc' })], 'no jti, or one too short or long'],
        [
          'a key not in the metadata, without kid',
          async () => [await assertion({}, { kid: undefined }, stranger)],
          'the signature or a registered claim does not verify',
        ],
        [
          'the kid of one key, signed by the other',
          async () => [await assertion({}, { kid: ed.kid, alg: 'ES256' }, es)],
          'the signature or a registered claim does not verify',
        ],
        [
          'a tampered payload',
          async () => {
            const [h, , s] = (await assertion()).split('.');
            return [`${h}.${base64url.encode(JSON.stringify(claims({ exp: now() + 120 })))}.${s}`];
          },
          'the signature or a registered claim does not verify',
        ],
        [
          'a replayed jti',
          async () => {
            const once = await assertion();
            await authenticate(once);
            return [once];
          },
          'the jti was used before',
        ],
      ];
    for (const [name, make, reason] of cases) {
      it(`refuses ${name}`, async () => {
        const [made, input] = await make();
        const result = await outcome(authenticate(made, input));
        expect(result).toEqual({ code: 'INVALID_CLIENT', reason, detail: undefined });
      });
    }
  });

  it('refuses a key the metadata does not list, saying the key is unknown', async () => {
    for (const made of [
      await assertion({}, {}, stranger),
      await assertion({ iss: otherClientId, sub: otherClientId }), // our key, another vendor's document
    ]) {
      const result = await outcome(authenticate(made));
      expect(result).toMatchObject({ code: 'INVALID_CLIENT', reason: 'unknown kid' });
      expect(result.detail).toMatch(/key \(kid\) that your metadata document does not list/);
    }
  });

  it('fetches the metadata again for a key it did not list — at most once a minute — and accepts a rotated-in key', async () => {
    const rotating = `${vendor.origin}/rotating.json`;
    const options = { clientName: 'Rotating Shop', redirectUris: [`${vendor.origin}/back`] };
    const next = await loadSigningKey((await generateKeyPair()).privateJwk);
    vendor.route('/rotating.json', json(buildMetadataDocument(rotating, ed.publicJwk, options)));
    const as = (key: SigningKey) => assertion({ iss: rotating, sub: rotating }, {}, key);
    expect((await outcome(authenticate(await as(ed)))).code).toBe('accepted');
    expect(vendor.hits('/rotating.json')).toBe(1);

    // The vendor publishes its next key and signs with it while the vault still caches the old document.
    vendor.route(
      '/rotating.json',
      json(
        buildMetadataDocument(rotating, ed.publicJwk, { ...options, additionalPublicJwks: [next.publicJwk] }),
      ),
    );
    tv.clock.advance(61_000);
    expect((await outcome(authenticate(await as(next)))).code).toBe('accepted');
    expect(vendor.hits('/rotating.json')).toBe(2);

    // Made-up keys cost the vendor one fetch a minute, however many come.
    for (let i = 0; i < 3; i++) {
      expect(await outcome(authenticate(await as(stranger)))).toMatchObject({
        code: 'INVALID_CLIENT',
        reason: 'unknown kid',
      });
    }
    expect(vendor.hits('/rotating.json')).toBe(2);
    tv.clock.advance(61_000);
    for (let i = 0; i < 3; i++) {
      expect((await outcome(authenticate(await as(stranger)))).code).toBe('INVALID_CLIENT');
    }
    expect(vendor.hits('/rotating.json')).toBe(3);
    // The known keys never cause a fetch.
    expect((await outcome(authenticate(await as(next)))).code).toBe('accepted');
    expect(vendor.hits('/rotating.json')).toBe(3);
  });

  it('answers CLIENT_METADATA_INVALID, with a detail, when the vendor metadata cannot be used', async () => {
    const missing = `${vendor.origin}/missing.json`;
    const result = await outcome(authenticate(await assertion({ iss: missing, sub: missing })));
    expect(result).toMatchObject({
      code: 'CLIENT_METADATA_INVALID',
      detail: expect.stringMatching(/HTTP 404/),
    });
  });

  it('fetches no metadata for an assertion meant for another audience', async () => {
    const counted = `${vendor.origin}/counted.json`;
    vendor.route(
      '/counted.json',
      json(buildMetadataDocument(counted, ed.publicJwk, { clientName: 'Counted', redirectUris: [] })),
    );
    const made = await assertion({ iss: counted, sub: counted, aud: 'https://other-vault.example' });
    expect((await outcome(authenticate(made))).reason).toBe('aud is not this vault');
    expect(vendor.hits('/counted.json')).toBe(0);
  });

  it('lets exactly one of 50 parallel uses of one assertion through', async () => {
    const once = await assertion();
    const results = await Promise.all([...Array(50)].map(() => outcome(authenticate(once))));
    expect(results.filter((r) => r.code === 'accepted')).toHaveLength(1);
    expect(results.filter((r) => r.reason === 'the jti was used before')).toHaveLength(49);
  });

  it('keeps a used jti until its assertion expires, then purges it', async () => {
    const once = await assertion({ exp: now() + 60 });
    await authenticate(once);
    tv.clock.advance(59_000);
    await purgeExpiredJtis(deps);
    expect((await outcome(authenticate(once))).reason).toBe('the jti was used before');
    tv.clock.advance(400_000);
    expect((await purgeExpiredJtis(deps)).clientAssertions).toBeGreaterThan(0);
    expect((await outcome(authenticate(once))).reason).toBe(
      'the signature or a registered claim does not verify',
    );
  });
});
