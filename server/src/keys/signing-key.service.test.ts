import { createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { GRANT_TOKEN_TYPE, MAX_GRANT_SECONDS, RECEIPT_TYPE } from '@kith/schemas';
import { base64url, calculateJwkThumbprint, decodeProtectedHeader, type JWTPayload, SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeEachDatabase } from '../../../test/support/databases.ts';
import { openTestVault, type TestVault } from '../../../test/support/test-vault.ts';
import { KithError } from '../http/kith-error.ts';
import {
  ensureSigningKeys,
  listSigningKeys,
  NEXT_KEY_MIN_PUBLISHED_MS,
  publicJwks,
  rotateSigningKeys,
  type SigningKeyDeps,
  signJwt,
  verifyVaultJwt,
} from './signing-key.service.ts';

const ISSUER = 'http://localhost:3000';
const AUDIENCE = 'https://shop.example/kith';

function depsOf(tv: TestVault): SigningKeyDeps {
  return { db: tv.vault.db, keys: tv.vault.keys, clock: tv.clock, config: tv.config };
}

async function currentPrivateKey(tv: TestVault): Promise<{ kid: string; key: KeyObject }> {
  const row = await tv.vault.db
    .selectFrom('signing_keys')
    .selectAll()
    .where('status', '=', 'current')
    .executeTakeFirstOrThrow();
  const der = tv.vault.keys.openSecret(row.private_key_sealed, `signing-key|${row.kid}`);
  return { kid: row.kid, key: createPrivateKey({ key: der, format: 'der', type: 'pkcs8' }) };
}

// Moves a frozen clock to the moment the next key has been published for `ms` (if it is not older already).
async function ageNextKeyTo(tv: TestVault, ms: number): Promise<void> {
  const next = (await listSigningKeys(depsOf(tv))).find((k) => k.status === 'next');
  if (!next) throw new Error('no next key');
  tv.clock.advance(Math.max(0, next.createdAt + ms - tv.clock.now()));
}

async function codeOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    return error instanceof KithError ? error.code : `not a KithError: ${String(error)}`;
  }
  return 'accepted';
}

describeEachDatabase('vault signing keys', (database) => {
  let tv: TestVault;
  let deps: SigningKeyDeps;

  beforeAll(async () => {
    tv = await openTestVault(database());
    deps = depsOf(tv);
  });
  afterAll(() => tv?.close());

  it('creates one current and one next key on first start, each named by its RFC 7638 thumbprint', async () => {
    await ensureSigningKeys(deps);
    await ensureSigningKeys(deps);
    const keys = await listSigningKeys(deps);
    expect(keys.map((k) => k.status).sort()).toEqual(['current', 'next']);
    for (const key of keys) {
      expect(key.kid).toBe(await calculateJwkThumbprint({ kty: 'OKP', crv: 'Ed25519', x: key.jwk.x }));
      expect(key.jwk).toEqual({
        kty: 'OKP',
        crv: 'Ed25519',
        x: key.jwk.x,
        kid: key.kid,
        alg: 'EdDSA',
        use: 'sig',
      });
    }
  });

  it('keeps private keys sealed at rest: the row holds no PKCS#8 and does not open under another context', async () => {
    const rows = await tv.vault.db.selectFrom('signing_keys').selectAll().execute();
    for (const row of rows) {
      const der = tv.vault.keys.openSecret(row.private_key_sealed, `signing-key|${row.kid}`);
      expect(Buffer.from(row.private_key_sealed).includes(der.subarray(-32))).toBe(false);
      const other = rows.find((r) => r.kid !== row.kid);
      expect(() => tv.vault.keys.openSecret(row.private_key_sealed, `signing-key|${other?.kid}`)).toThrow();
      expect(row.public_jwk).not.toMatch(/"d"/);
    }
  });

  it('publishes the current key first, then the next', async () => {
    const keys = await listSigningKeys(deps);
    const jwks = await publicJwks(deps);
    expect(jwks.keys.map((k) => k.kid)).toEqual([
      keys.find((k) => k.status === 'current')?.kid,
      keys.find((k) => k.status === 'next')?.kid,
    ]);
  });

  it('signs with the current key, typed, with our issuer, and verifies its own tokens', async () => {
    const exp = Math.floor(tv.clock.now() / 1000) + 3600;
    const token = await signJwt(deps, {
      typ: GRANT_TOKEN_TYPE,
      payload: { sub: 'pw_1', aud: AUDIENCE, exp },
    });
    const header = decodeProtectedHeader(token);
    const current = (await listSigningKeys(deps)).find((k) => k.status === 'current');
    expect(header).toEqual({ alg: 'EdDSA', kid: current?.kid, typ: GRANT_TOKEN_TYPE });
    const claims = await verifyVaultJwt(deps, token, { typ: GRANT_TOKEN_TYPE, audience: AUDIENCE });
    expect(claims).toEqual({
      sub: 'pw_1',
      aud: AUDIENCE,
      exp,
      iss: ISSUER,
      iat: Math.floor(tv.clock.now() / 1000),
    });
  });

  describe('refuses every token it did not sign as asked, with one code', () => {
    const now = () => Math.floor(tv.clock.now() / 1000);
    const good = (): JWTPayload => ({
      iss: ISSUER,
      sub: 'pw_1',
      aud: AUDIENCE,
      iat: now(),
      exp: now() + 600,
    });
    const sign = async (payload: JWTPayload, header: Record<string, unknown> = {}, key?: KeyObject) => {
      const current = await currentPrivateKey(tv);
      return new SignJWT(payload)
        .setProtectedHeader({ alg: 'EdDSA', kid: current.kid, typ: GRANT_TOKEN_TYPE, ...header })
        .sign(key ?? current.key);
    };
    const unsigned = (header: object, payload: object) =>
      `${base64url.encode(JSON.stringify(header))}.${base64url.encode(JSON.stringify(payload))}.`;

    const cases: [string, () => Promise<string>][] = [
      [
        'alg none',
        async () =>
          unsigned({ alg: 'none', kid: (await currentPrivateKey(tv)).kid, typ: GRANT_TOKEN_TYPE }, good()),
      ],
      [
        'HS256 keyed with the public key as SPKI',
        async () => {
          const { kid, key } = await currentPrivateKey(tv);
          const secret = createPublicKey(key).export({ format: 'der', type: 'spki' });
          return new SignJWT(good())
            .setProtectedHeader({ alg: 'HS256', kid, typ: GRANT_TOKEN_TYPE })
            .sign(secret);
        },
      ],
      [
        'HS256 keyed with the published JWK',
        async () => {
          const { kid } = await currentPrivateKey(tv);
          const secret = Buffer.from(JSON.stringify((await publicJwks(deps)).keys[0]));
          return new SignJWT(good())
            .setProtectedHeader({ alg: 'HS256', kid, typ: GRANT_TOKEN_TYPE })
            .sign(secret);
        },
      ],
      ['another typ', () => sign(good(), { typ: RECEIPT_TYPE })],
      ['no typ', () => sign(good(), { typ: undefined })],
      ['another issuer', () => sign({ ...good(), iss: 'https://evil.example' })],
      ['another audience', () => sign({ ...good(), aud: 'https://other.example' })],
      ['expired', () => sign({ ...good(), exp: now() - 1 })],
      ['not yet valid', () => sign({ ...good(), nbf: now() + 600 })],
      ['no iat', () => sign({ ...good(), iat: undefined })],
      [
        'an unknown kid',
        () => sign(good(), { kid: 'A'.repeat(43) }, generateKeyPairSync('ed25519').privateKey),
      ],
      ['no kid', () => sign(good(), { kid: undefined })],
      ['a key of its own with our kid', () => sign(good(), {}, generateKeyPairSync('ed25519').privateKey)],
      [
        'a tampered payload',
        async () => {
          const [h, , s] = (await sign(good())).split('.');
          return `${h}.${base64url.encode(JSON.stringify({ ...good(), sub: 'pw_2' }))}.${s}`;
        },
      ],
      ['garbage', async () => 'not.a.jwt'],
    ];
    for (const [name, make] of cases) {
      it(`refuses ${name}`, async () => {
        const token = await make();
        expect(await codeOf(verifyVaultJwt(deps, token, { typ: GRANT_TOKEN_TYPE, audience: AUDIENCE }))).toBe(
          'INVALID_GRANT',
        );
        expect(
          await codeOf(
            verifyVaultJwt(deps, token, {
              typ: GRANT_TOKEN_TYPE,
              audience: AUDIENCE,
              failWith: 'INVALID_CLIENT',
            }),
          ),
        ).toBe('INVALID_CLIENT');
      });
    }

    it('accepts the same token when nothing is wrong (the matrix is not refusing everything)', async () => {
      expect(
        await codeOf(verifyVaultJwt(deps, await sign(good()), { typ: GRANT_TOKEN_TYPE, audience: AUDIENCE })),
      ).toBe('accepted');
    });
  });

  it('refuses to rotate while the next key has been published for less than the minimum, and changes nothing', async () => {
    const before = await tv.vault.db.selectFrom('signing_keys').selectAll().orderBy('kid').execute();
    const jwksBefore = await publicJwks(deps);
    for (const age of [0, 1, 35_000, NEXT_KEY_MIN_PUBLISHED_MS / 2, NEXT_KEY_MIN_PUBLISHED_MS - 1]) {
      await ageNextKeyTo(tv, age);
      const refused = await rotateSigningKeys(deps).then(
        () => undefined,
        (error: unknown) => error,
      );
      expect(refused).toBeInstanceOf(KithError);
      expect(refused).toMatchObject({
        code: 'KEY_ROTATION_TOO_SOON',
        status: 409,
        headers: { 'retry-after': String(Math.ceil((NEXT_KEY_MIN_PUBLISHED_MS - age) / 1000)) },
      });
    }
    expect(await tv.vault.db.selectFrom('signing_keys').selectAll().orderBy('kid').execute()).toEqual(before);
    expect(await publicJwks(deps)).toEqual(jwksBefore);
  });

  it('waits longer than a verifier that fetched the JWKS just before the next key appeared, through a cache, takes to see it', () => {
    // jose's createRemoteJWKSet and @kith/client refetch for an unknown kid after 30 s; a cache may answer a
    // copy as old as the JWKS's max-age (300 s); another vault process may publish the key 5 s late.
    expect(NEXT_KEY_MIN_PUBLISHED_MS).toBeGreaterThanOrEqual(30_000 + 300_000 + 5_000);
  });

  it('rotates: next becomes current, current is retired but still published, a new next appears', async () => {
    await ageNextKeyTo(tv, NEXT_KEY_MIN_PUBLISHED_MS);
    const before = await listSigningKeys(deps);
    const oldCurrent = before.find((k) => k.status === 'current')?.kid;
    const oldNext = before.find((k) => k.status === 'next')?.kid;
    const signedBefore = await signJwt(deps, {
      typ: GRANT_TOKEN_TYPE,
      payload: { exp: Math.floor(tv.clock.now() / 1000) + 60 },
    });

    const rotated = await rotateSigningKeys(deps);
    expect(rotated).toMatchObject({
      retired: oldCurrent,
      current: oldNext,
      publishedForMs: NEXT_KEY_MIN_PUBLISHED_MS,
    });
    expect([oldCurrent, oldNext]).not.toContain(rotated.next);

    const jwks = await publicJwks(deps);
    expect(jwks.keys.map((k) => k.kid)).toEqual([oldNext, rotated.next, oldCurrent]);
    const after = await listSigningKeys(deps);
    expect(after.find((k) => k.kid === oldCurrent)).toMatchObject({
      status: 'retired',
      retiredAt: tv.clock.now(),
    });
    expect(after.find((k) => k.kid === oldNext)).toMatchObject({
      status: 'current',
      activatedAt: tv.clock.now(),
    });

    // The next key was published before it ever signed, and now signs.
    const signedAfter = await signJwt(deps, {
      typ: GRANT_TOKEN_TYPE,
      payload: { exp: Math.floor(tv.clock.now() / 1000) + 60 },
    });
    expect(decodeProtectedHeader(signedAfter).kid).toBe(oldNext);
    // Tokens signed before the rotation still verify.
    expect(await codeOf(verifyVaultJwt(deps, signedBefore, { typ: GRANT_TOKEN_TYPE }))).toBe('accepted');
    expect(await codeOf(verifyVaultJwt(deps, signedAfter, { typ: GRANT_TOKEN_TYPE }))).toBe('accepted');
  });

  it('lets the caller narrow retired keys to those still needed', async () => {
    const retired = (await listSigningKeys(deps)).filter((k) => k.status === 'retired').map((k) => k.kid);
    expect(retired).toHaveLength(1);
    const narrowed = await publicJwks(deps, { stillNeeded: () => false });
    expect(narrowed.keys).toHaveLength(2);
    expect(narrowed.keys.map((k) => k.kid)).not.toContain(retired[0]);
    const kept = await publicJwks(deps, {
      stillNeeded: (kid, retiredAt) => kid === retired[0] && retiredAt === tv.clock.now(),
    });
    expect(kept.keys.map((k) => k.kid)).toContain(retired[0]);
  });

  it('drops a retired key once no grant it signed can still be alive', async () => {
    await ageNextKeyTo(tv, NEXT_KEY_MIN_PUBLISHED_MS);
    const token = await signJwt(deps, { typ: RECEIPT_TYPE, payload: {} });
    await rotateSigningKeys(deps);
    const retiredKid = decodeProtectedHeader(token).kid;
    tv.clock.advance(MAX_GRANT_SECONDS * 1000 - 1000);
    expect((await publicJwks(deps)).keys.map((k) => k.kid)).toContain(retiredKid);
    expect(await codeOf(verifyVaultJwt(deps, token, { typ: RECEIPT_TYPE }))).toBe('accepted');
    tv.clock.advance(10_000);
    expect((await publicJwks(deps)).keys.map((k) => k.kid)).not.toContain(retiredKid);
    expect(await codeOf(verifyVaultJwt(deps, token, { typ: RECEIPT_TYPE }))).toBe('INVALID_GRANT');
  });

  it('rotates at once when forced, however recently the next key was published', async () => {
    await ageNextKeyTo(tv, NEXT_KEY_MIN_PUBLISHED_MS);
    const first = await rotateSigningKeys(deps);
    expect(await codeOf(rotateSigningKeys(deps))).toBe('KEY_ROTATION_TOO_SOON');
    const forced = await rotateSigningKeys(deps, { force: true });
    expect(forced).toMatchObject({ retired: first.current, current: first.next, publishedForMs: 0 });
    expect((await publicJwks(deps)).keys.slice(0, 2).map((k) => k.kid)).toEqual([
      forced.current,
      forced.next,
    ]);
  });
});

describeEachDatabase('vault signing keys shared by several processes', (database) => {
  let a: TestVault;
  let b: TestVault;

  beforeAll(async () => {
    a = await openTestVault(database());
    b = await openTestVault(database(), { masterKey: a.masterKey });
  });
  afterAll(async () => {
    await a?.close();
    await b?.close();
  });

  it('creates exactly one current and one next key when processes start at once', async () => {
    await Promise.all([...Array(4)].map((_, i) => ensureSigningKeys(depsOf(i % 2 ? a : b))));
    const rows = await a.vault.db.selectFrom('signing_keys').select(['kid', 'status']).execute();
    expect(rows.map((r) => r.status).sort()).toEqual(['current', 'next']);
    expect((await publicJwks(depsOf(a))).keys).toEqual((await publicJwks(depsOf(b))).keys);
  });

  it('looks for an unknown kid in the database at most once a second, so forged kids cost no queries', async () => {
    let queries = 0;
    const counting = {
      ...depsOf(a),
      db: a.vault.db.withPlugin({
        transformQuery: (args) => {
          queries++;
          return args.node;
        },
        transformResult: async (args) => args.result,
      }),
    };
    await publicJwks(counting);
    queries = 0;
    const forged = (kid: string) =>
      new SignJWT({})
        .setProtectedHeader({ alg: 'EdDSA', kid, typ: GRANT_TOKEN_TYPE })
        .sign(generateKeyPairSync('ed25519').privateKey);
    for (let i = 0; i < 5; i++) {
      expect(
        await codeOf(
          verifyVaultJwt(counting, await forged(`${'B'.repeat(42)}${i}`), { typ: GRANT_TOKEN_TYPE }),
        ),
      ).toBe('INVALID_GRANT');
    }
    expect(
      await codeOf(verifyVaultJwt(counting, await forged('not-a-thumbprint'), { typ: GRANT_TOKEN_TYPE })),
    ).toBe('INVALID_GRANT');
    expect(queries).toBe(1);
  });

  it('rotates once when two processes rotate at once: the other finds the new next key too new', async () => {
    await ageNextKeyTo(a, NEXT_KEY_MIN_PUBLISHED_MS);
    await ageNextKeyTo(b, NEXT_KEY_MIN_PUBLISHED_MS);
    const outcomes = await Promise.all([
      codeOf(rotateSigningKeys(depsOf(a))),
      codeOf(rotateSigningKeys(depsOf(b))),
    ]);
    expect(outcomes.sort()).toEqual(['KEY_ROTATION_TOO_SOON', 'accepted']);
    const rows = await a.vault.db.selectFrom('signing_keys').select('status').execute();
    expect(rows.map((r) => r.status).sort()).toEqual(['current', 'next', 'retired']);
  });

  it('rotates exactly once per call when two processes force a rotation at once', async () => {
    await Promise.all([
      rotateSigningKeys(depsOf(a), { force: true }),
      rotateSigningKeys(depsOf(b), { force: true }),
    ]);
    const rows = await a.vault.db.selectFrom('signing_keys').select('status').execute();
    expect(rows.map((r) => r.status).sort()).toEqual(['current', 'next', 'retired', 'retired', 'retired']);
  });

  it('verifies at once a token signed with a key another process just made current', async () => {
    await publicJwks(depsOf(a)); // a caches the keyring
    a.clock.advance(1000);
    const { current } = await rotateSigningKeys(depsOf(b), { force: true });
    const token = await signJwt(depsOf(b), { typ: GRANT_TOKEN_TYPE, payload: {} });
    expect(decodeProtectedHeader(token).kid).toBe(current);
    expect(await codeOf(verifyVaultJwt(depsOf(a), token, { typ: GRANT_TOKEN_TYPE }))).toBe('accepted');
  });

  it('starts signing with the new current key within 5 seconds of another process rotating', async () => {
    const before = decodeProtectedHeader(
      await signJwt(depsOf(a), { typ: GRANT_TOKEN_TYPE, payload: {} }),
    ).kid;
    const { current } = await rotateSigningKeys(depsOf(b), { force: true });
    expect(decodeProtectedHeader(await signJwt(depsOf(a), { typ: GRANT_TOKEN_TYPE, payload: {} })).kid).toBe(
      before,
    );
    a.clock.advance(5000);
    expect(decodeProtectedHeader(await signJwt(depsOf(a), { typ: GRANT_TOKEN_TYPE, payload: {} })).kid).toBe(
      current,
    );
  });
});
