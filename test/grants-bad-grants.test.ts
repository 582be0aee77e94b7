import { createDpopProof, type RedeemedData } from '@kith/client';
import { GRANT_TOKEN_TYPE } from '@kith/schemas';
import { decodeJwt, decodeProtectedHeader, generateKeyPair, SignJWT } from 'jose';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { signJwt } from '../server/src/keys/signing-key.service.ts';
import { countRows } from './support/count-rows.ts';
import { describeEachDatabase } from './support/databases.ts';
import { requestJson } from './support/http.ts';
import { type LiveVault, startLiveVault } from './support/live-vault.ts';
import { startTestVendor, type TestVendor } from './support/vendor.ts';

const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

describeEachDatabase('redeem refuses every bad grant with one identical answer and no write', (database) => {
  let vault: LiveVault;
  let shop: TestVendor;
  let florist: TestVendor;
  let grant: string;
  let claims: Record<string, unknown>;
  let dataUrl: string;

  beforeAll(async () => {
    vault = await startLiveVault(database());
    shop = await startTestVendor({ vault: vault.url });
    florist = await startTestVendor({ vault: vault.url });
    const { cookie } = await vault.signedInOwner();
    await requestJson(vault.app, '/v1/me/profile', {
      method: 'PATCH',
      cookie,
      json: { email: 'matrix@example.com' },
    });
    const request = await shop.client.requestGrant({
      fields: ['email'],
      purpose: 'customer_care',
      duration: '1d',
    });
    await requestJson(vault.app, `/v1/me/grant-requests/${request.id}/approve`, {
      method: 'POST',
      cookie,
      json: { optionalFields: [], contact: true },
    });
    grant = (await shop.client.collectGrant({ requestId: request.id })).grant;
    claims = decodeJwt(grant) as Record<string, unknown>;
    dataUrl = `${vault.url}/v1/data`;
  });
  afterAll(async () => {
    await shop?.stop();
    await florist?.stop();
    await vault?.stop();
  });

  const proofFor = (token: string, overrides: { key?: TestVendor['key']; htm?: string; htu?: string } = {}) =>
    createDpopProof({
      key: overrides.key ?? shop.key,
      htm: overrides.htm ?? 'GET',
      htu: overrides.htu ?? dataUrl,
      accessToken: token,
      now: Date.now(),
    });
  const redeemRaw = async (token: string | null, dpop: string | null) => {
    const headers: Record<string, string> = {};
    if (token !== null) headers.authorization = `DPoP ${token}`;
    if (dpop !== null) headers.dpop = dpop;
    const res = await fetch(dataUrl, { headers });
    const body = (await res.json()) as Record<string, unknown>;
    delete body.requestId;
    return { status: res.status, body, challenge: res.headers.get('www-authenticate') };
  };
  const vaultSigned = (payload: Record<string, unknown>, typ = GRANT_TOKEN_TYPE) =>
    signJwt(
      {
        db: vault.vault.db,
        keys: vault.vault.keys,
        keyring: vault.vault.keyring,
        clock: vault.clock,
        config: vault.config,
      },
      { typ, payload },
    );
  const counts = async () => ({
    log: await countRows(vault.vault.db, 'access_log'),
    grant: await vault.vault.db
      .selectFrom('grants')
      .selectAll()
      .where('id', '=', claims.jti as string)
      .executeTakeFirstOrThrow(),
  });

  it('accepts the genuine grant (so every refusal below is about what was changed)', async () => {
    const res = await fetch(dataUrl, {
      headers: { authorization: `DPoP ${grant}`, dpop: await proofFor(grant) },
    });
    expect(res.status).toBe(200);
    expect(((await res.json()) as RedeemedData).fields).toEqual({ email: 'matrix@example.com' });
  });

  /** The genuine grant with its payload segment replaced by `encoded`. */
  const withPayload = (encoded: string) => {
    const [header, , signature] = grant.split('.');
    return `${header}.${encoded}.${signature}`;
  };
  const withProof = async (token: string) => ({ token, dpop: await proofFor(token) });

  const badGrants: [string, () => Promise<{ token: string | null; dpop: string | null }>][] = [
    [
      'alg: none',
      async () => {
        const token = `${b64({ alg: 'none', typ: GRANT_TOKEN_TYPE })}.${b64(claims)}.`;
        return { token, dpop: await proofFor(token) };
      },
    ],
    [
      'an HMAC token using the public key as secret',
      async () => {
        const jwks = (await (await fetch(`${vault.url}/.well-known/jwks.json`)).json()) as {
          keys: { x: string; kid: string }[];
        };
        const secret = new TextEncoder().encode(JSON.stringify(jwks.keys[0]));
        const token = await new SignJWT(claims)
          .setProtectedHeader({ alg: 'HS256', typ: GRANT_TOKEN_TYPE, kid: jwks.keys[0]?.kid })
          .sign(secret);
        return { token, dpop: await proofFor(token) };
      },
    ],
    [
      'a wrong typ',
      async () => {
        const token = await vaultSigned(claims, 'JWT');
        return { token, dpop: await proofFor(token) };
      },
    ],
    [
      'a wrong iss (signed by another key)',
      async () => {
        const { privateKey } = await generateKeyPair('EdDSA', { extractable: true });
        const token = await new SignJWT({ ...claims, iss: 'https://evil.example' })
          .setProtectedHeader({
            alg: 'EdDSA',
            typ: GRANT_TOKEN_TYPE,
            kid: decodeProtectedHeader(grant).kid as string,
          })
          .sign(privateKey);
        return { token, dpop: await proofFor(token) };
      },
    ],
    [
      'a wrong aud',
      async () => {
        const token = await vaultSigned({ ...claims, aud: 'https://other-vault.example' });
        return { token, dpop: await proofFor(token) };
      },
    ],
    [
      'an expired token',
      async () => {
        const token = await vaultSigned({ ...claims, iat: 1_600_000_000, exp: 1_600_000_100 });
        return { token, dpop: await proofFor(token) };
      },
    ],
    [
      'a future nbf',
      async () => {
        const token = await vaultSigned({ ...claims, nbf: Math.floor(Date.now() / 1000) + 3600 });
        return { token, dpop: await proofFor(token) };
      },
    ],
    [
      'an unknown kid',
      async () => {
        const { privateKey } = await generateKeyPair('EdDSA', { extractable: true });
        const token = await new SignJWT(claims)
          .setProtectedHeader({ alg: 'EdDSA', typ: GRANT_TOKEN_TYPE, kid: 'no-such-kid' })
          .sign(privateKey);
        return { token, dpop: await proofFor(token) };
      },
    ],
    [
      'a tampered payload',
      () => withProof(withPayload(b64({ ...claims, fields: ['email', 'address', 'birthdate'] }))),
    ],
    // What the vault reads from a token to find its grant (the jti), each way wrong.
    ['something that is not a JWT', () => withProof('not-a-jwt')],
    ['a JWT of four parts', () => withProof(`${grant}.${b64({})}`)],
    ['a payload that is not JSON', () => withProof(withPayload(Buffer.from('{jti').toString('base64url')))],
    ['a payload without a jti', () => withProof(withPayload(b64({ ...claims, jti: undefined })))],
    ['a payload that is JSON null', () => withProof(withPayload(b64(null)))],
    [
      'the genuine grant with its jti changed',
      () => withProof(withPayload(b64({ ...claims, jti: `${claims.jti}x` }))),
    ],
    ['no DPoP proof', async () => ({ token: grant, dpop: null })],
    ['a Bearer token instead of DPoP', async () => ({ token: null, dpop: await proofFor(grant) })],
    [
      'a DPoP proof from another key',
      async () => ({ token: grant, dpop: await proofFor(grant, { key: florist.key }) }),
    ],
    [
      'a DPoP proof for another method',
      async () => ({ token: grant, dpop: await proofFor(grant, { htm: 'POST' }) }),
    ],
    [
      'a DPoP proof for another URL',
      async () => ({
        token: grant,
        dpop: await proofFor(grant, { htu: `${vault.url}/v1/grants/relinquish` }),
      }),
    ],
    [
      'a DPoP proof without ath',
      async () => ({
        token: grant,
        dpop: await createDpopProof({ key: shop.key, htm: 'GET', htu: dataUrl, now: Date.now() }),
      }),
    ],
    [
      'a grant of another vendor (presented with its own key)',
      async () => ({ token: grant, dpop: await proofFor(grant, { key: florist.key }) }),
    ],
  ];

  let reference: { status: number; body: Record<string, unknown>; challenge: string | null } | undefined;
  for (const [name, build] of badGrants) {
    it(`refuses ${name}`, async () => {
      const before = await counts();
      const { token, dpop } = await build();
      const res = await redeemRaw(token, dpop);
      expect(res.status).toBe(401);
      expect(res.body).toMatchObject({ code: 'INVALID_GRANT' });
      expect(res.challenge).toMatch(/^DPoP /);
      reference ??= res;
      expect(res).toEqual(reference);
      expect(await counts()).toEqual(before);
    });
  }

  it('refuses a relinquish proved by another key, and the grant stays usable', async () => {
    const before = await counts();
    const relinquishUrl = `${vault.url}/v1/grants/relinquish`;
    // The right token, and a proof right in all but its key: htm, htu and ath all match.
    const dpop = await proofFor(grant, { key: florist.key, htm: 'POST', htu: relinquishUrl });
    const res = await fetch(relinquishUrl, {
      method: 'POST',
      headers: { authorization: `DPoP ${grant}`, dpop },
    });
    expect(res.status).toBe(401);
    expect(await res.json()).toMatchObject({ code: 'INVALID_GRANT' });
    expect(res.headers.get('www-authenticate')).toMatch(/^DPoP /);
    expect(await counts()).toEqual(before);
    const redeemed = await fetch(dataUrl, {
      headers: { authorization: `DPoP ${grant}`, dpop: await proofFor(grant) },
    });
    expect(redeemed.status).toBe(200);
  });

  it('refuses a grant past its expiry with GRANT_EXPIRED, so the vendor knows to forget', async () => {
    const before = await counts();
    vault.clock.advance(2 * 24 * 3600 * 1000);
    try {
      // The proof carries the vault's (advanced) time, as a vendor with a matching clock would.
      const dpop = await createDpopProof({
        key: shop.key,
        htm: 'GET',
        htu: dataUrl,
        accessToken: grant,
        now: vault.clock.now(),
      });
      const res = await redeemRaw(grant, dpop);
      expect(res.status).toBe(401);
      expect(res.body).toMatchObject({ code: 'GRANT_EXPIRED' });
      expect(res.challenge).toBe(reference?.challenge);
    } finally {
      vault.clock.advance(-2 * 24 * 3600 * 1000);
    }
    expect(await counts()).toEqual(before);
  });

  it('lets exactly one of 50 parallel uses of one DPoP proof through', async () => {
    const dpop = await proofFor(grant);
    const results = await Promise.all(
      Array.from({ length: 50 }, () =>
        fetch(dataUrl, { headers: { authorization: `DPoP ${grant}`, dpop } }).then((r) => r.status),
      ),
    );
    expect(results.filter((s) => s === 200)).toHaveLength(1);
    expect(results.filter((s) => s === 401)).toHaveLength(49);
  });
});
