import { GRANT_TOKEN_TYPE, MAX_GRANT_SECONDS, RECEIPT_TYPE } from '@kith/schemas';
import {
  calculateJwkThumbprint,
  createLocalJWKSet,
  decodeProtectedHeader,
  errors,
  type JWTPayload,
  jwtVerify,
} from 'jose';
import { afterAll, beforeAll, expect, it } from 'vitest';
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
} from './signing-key.service.ts';

const ISSUER = 'http://localhost:3000';
const AUDIENCE = 'https://shop.example/kith';

function depsOf(tv: TestVault): SigningKeyDeps {
  return {
    db: tv.vault.db,
    keys: tv.vault.keys,
    keyring: tv.vault.keyring,
    clock: tv.clock,
    config: tv.config,
  };
}

// Moves a frozen clock to the moment the next key has been published for `ms` (if it is not older already).
async function ageNextKeyTo(tv: TestVault, ms: number): Promise<void> {
  const next = (await listSigningKeys(depsOf(tv))).find((k) => k.status === 'next');
  if (!next) throw new Error('no next key');
  tv.clock.advance(Math.max(0, next.createdAt + ms - tv.clock.now()));
}

// How a vendor checks a token of the vault: against the published JWKS, EdDSA only, the vault as issuer.
async function verifyAsVendor(deps: SigningKeyDeps, token: string, typ: string): Promise<JWTPayload> {
  const jwks = createLocalJWKSet(await publicJwks(deps));
  const { payload } = await jwtVerify(token, jwks, {
    algorithms: ['EdDSA'],
    typ,
    issuer: ISSUER,
    currentDate: new Date(deps.clock.now()),
  });
  return payload;
}

// The code of a KithError or of a jose error; 'accepted' when the promise fulfils.
async function codeOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof KithError) return error.code;
    if (error instanceof errors.JOSEError) return error.code;
    return `not a KithError: ${String(error)}`;
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

  it('signs with the current key, typed, with our issuer, as a vendor verifies against the JWKS', async () => {
    const exp = Math.floor(tv.clock.now() / 1000) + 3600;
    const token = await signJwt(deps, {
      typ: GRANT_TOKEN_TYPE,
      payload: { sub: 'pw_1', aud: AUDIENCE, exp },
    });
    const header = decodeProtectedHeader(token);
    const current = (await listSigningKeys(deps)).find((k) => k.status === 'current');
    expect(header).toEqual({ alg: 'EdDSA', kid: current?.kid, typ: GRANT_TOKEN_TYPE });
    const claims = await verifyAsVendor(deps, token, GRANT_TOKEN_TYPE);
    expect(claims).toEqual({
      sub: 'pw_1',
      aud: AUDIENCE,
      exp,
      iss: ISSUER,
      iat: Math.floor(tv.clock.now() / 1000),
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
    expect(await codeOf(verifyAsVendor(deps, signedBefore, GRANT_TOKEN_TYPE))).toBe('accepted');
    expect(await codeOf(verifyAsVendor(deps, signedAfter, GRANT_TOKEN_TYPE))).toBe('accepted');
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
    expect(await codeOf(verifyAsVendor(deps, token, RECEIPT_TYPE))).toBe('accepted');
    tv.clock.advance(10_000);
    expect((await publicJwks(deps)).keys.map((k) => k.kid)).not.toContain(retiredKid);
    expect(await codeOf(verifyAsVendor(deps, token, RECEIPT_TYPE))).toBe('ERR_JWKS_NO_MATCHING_KEY');
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
