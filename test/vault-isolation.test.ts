import { randomBytes } from 'node:crypto';
import { GRANT_TOKEN_TYPE, type VendorMetadata } from '@kith/schemas';
import {
  createLocalJWKSet,
  decodeProtectedHeader,
  exportJWK,
  generateKeyPair,
  jwtVerify,
  SignJWT,
} from 'jose';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { AccessLogStatus } from '../server/src/audit/access-log-verifier.ts';
import { rotateSigningKeys, signJwt } from '../server/src/keys/signing-key.service.ts';
import { resolveVendor, type VendorDeps } from '../server/src/vendors/resolve-vendor.ts';
import { resolveVendorForKey, UNKNOWN_KEY_REFETCH_MS } from '../server/src/vendors/resolve-vendor-key.ts';
import { verifyDpopProof } from '../server/src/vendors/verify-dpop-proof.ts';
import { appendChainedEntries } from './support/access-log-seed.ts';
import { createTestDatabase, describeEachDatabase, type OwnedTestDatabase } from './support/databases.ts';
import { requestJson } from './support/http.ts';
import { openTestVault, type TestVault } from './support/test-vault.ts';

interface Jwks {
  keys: { kid: string }[];
}

const CLIENT_ID = 'https://shop.example/kith.json';

/**
 * Two vaults in one process, as a host serving several would have: each keeps
 * its own keyring, DPoP key cache, vendor fetches and access-log checks, so
 * nothing one does shows in the other. Both clocks stand at the same instant,
 * so a cache shared between them would still be fresh for the other.
 */
describeEachDatabase('two vaults in one process', (database) => {
  let other: OwnedTestDatabase;
  let a: TestVault;
  let b: TestVault;
  let aClosed = false;

  beforeAll(async () => {
    other = await createTestDatabase(database().kind);
    a = await openTestVault(database());
    b = await openTestVault(other);
  });
  afterAll(async () => {
    if (!aClosed) await a?.close();
    await b?.close();
    await other?.drop();
  });

  const jwks = async (tv: TestVault) => (await requestJson<Jwks>(tv.app, '/.well-known/jwks.json')).body;
  const kids = (set: Jwks) => set.keys.map((k) => k.kid);

  it('keep their own signing keys: a rotation in one leaves the other’s JWKS and signatures as they were', async () => {
    const before = await jwks(b);
    const aBefore = await jwks(a);
    expect(kids(aBefore)).toHaveLength(2);
    expect(kids(aBefore).filter((kid) => kids(before).includes(kid))).toEqual([]);

    await rotateSigningKeys({ ...a.vault, clock: a.clock, config: a.config }, { force: true });
    const aAfter = await jwks(a);
    expect(kids(aAfter)).not.toEqual(kids(aBefore));
    expect(await jwks(b)).toEqual(before);

    const token = await signJwt(
      { ...b.vault, clock: b.clock, config: b.config },
      { typ: GRANT_TOKEN_TYPE, payload: { sub: 'someone' } },
    );
    expect(kids(before)).toContain(decodeProtectedHeader(token).kid);
    const { payload } = await jwtVerify(token, createLocalJWKSet(before as never), {
      algorithms: ['EdDSA'],
      currentDate: new Date(b.clock.now()),
    });
    expect(payload.sub).toBe('someone');
  });

  it('keep their own DPoP proof keys: a key seen in one is not cached in the other', async () => {
    const { publicKey, privateKey } = await generateKeyPair('EdDSA', { crv: 'Ed25519' });
    const jwk = await exportJWK(publicKey);
    const proofFor = (tv: TestVault) =>
      new SignJWT({
        jti: randomBytes(16).toString('base64url'),
        htm: 'GET',
        htu: `${tv.config.publicUrl.origin}/v1/data`,
        iat: Math.floor(tv.clock.now() / 1000),
      })
        .setProtectedHeader({ alg: 'EdDSA', typ: 'dpop+jwt', jwk })
        .sign(privateKey);
    const verify = async (tv: TestVault) =>
      verifyDpopProof(
        { ...tv.vault, clock: tv.clock, config: tv.config },
        { dpop: await proofFor(tv), method: 'GET', path: '/v1/data' },
      );
    const bSize = b.vault.dpopProofKeys.size;

    const aSize = a.vault.dpopProofKeys.size;
    await verify(a);
    expect(a.vault.dpopProofKeys.size).toBe(aSize + 1);
    expect(b.vault.dpopProofKeys.size).toBe(bSize);

    await verify(b);
    expect(b.vault.dpopProofKeys.size).toBe(bSize + 1);
    expect(a.vault.dpopProofKeys.size).toBe(aSize + 1);
  });

  it('fetch a vendor each for itself: neither joins the other’s fetch nor waits out the other’s refetch', async () => {
    const jwk = await exportJWK((await generateKeyPair('EdDSA', { crv: 'Ed25519' })).publicKey);
    const metadata: VendorMetadata = {
      client_id: CLIENT_ID,
      client_name: 'Corner Shop',
      jwks: { keys: [{ ...jwk, kid: 'k1', alg: 'EdDSA', use: 'sig' }] },
      redirect_uris: [],
    };
    let fetches = 0;
    let release = () => {};
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    const depsOf = (tv: TestVault): VendorDeps => ({
      ...tv.vault,
      clock: tv.clock,
      config: tv.config,
      lookup: async () => [{ address: '93.184.215.14', family: 4 }],
      fetch: async () => {
        fetches++;
        // Both vaults ask before either answer arrives: a shared fetch would serve both.
        await held;
        return new Response(JSON.stringify(metadata), { headers: { 'content-type': 'application/json' } });
      },
    });

    const resolving = [resolveVendor(depsOf(a), CLIENT_ID), resolveVendor(depsOf(b), CLIENT_ID)];
    await new Promise((resolve) => setTimeout(resolve, 20));
    release();
    const [fromA, fromB] = await Promise.all(resolving);
    expect(fetches).toBe(2);
    expect([fromA?.metadata.client_name, fromB?.metadata.client_name]).toEqual([
      'Corner Shop',
      'Corner Shop',
    ]);
    for (const tv of [a, b]) {
      const row = await tv.vault.db
        .selectFrom('vendors')
        .select('client_id')
        .where('client_id', '=', CLIENT_ID)
        .executeTakeFirst();
      expect(row?.client_id).toBe(CLIENT_ID);
    }

    // An assertion naming a key the document lacks fetches it again, once a minute per vendor, per vault.
    a.clock.advance(UNKNOWN_KEY_REFETCH_MS);
    b.clock.advance(UNKNOWN_KEY_REFETCH_MS);
    expect((await resolveVendorForKey(depsOf(a), CLIENT_ID, 'k2')).keyKnown).toBe(false);
    expect(fetches).toBe(3);
    expect((await resolveVendorForKey(depsOf(b), CLIENT_ID, 'k2')).keyKnown).toBe(false);
    expect(fetches).toBe(4);
    expect((await resolveVendorForKey(depsOf(a), CLIENT_ID, 'k2')).keyKnown).toBe(false);
    expect(fetches).toBe(4);
  });

  it('check their own access logs: closing one stops its background check, saved, and the other’s goes on', async () => {
    const seeded = async (tv: TestVault, entries: number) => {
      const signedIn = await tv.signedInOwner();
      await appendChainedEntries(tv.vault.db, database().kind, signedIn.owner.id, entries, {
        startAt: tv.clock.now(),
      });
      return signedIn;
    };
    const verify = (tv: TestVault, cookie: string) =>
      requestJson<AccessLogStatus>(tv.app, '/v1/me/access-log/verify', { cookie });
    const inA = await seeded(a, 20_000);
    const inB = await seeded(b, 3_000);

    // A's long stretch is checked in the background; B's verifier has nothing of it.
    const bRead = { ...b.vault.accessLogVerifier.stats };
    expect((await verify(a, inA.cookie)).body).toMatchObject({ ok: null, checking: true });
    await a.close();
    aClosed = true;
    expect(b.vault.accessLogVerifier.stats).toEqual(bRead);
    expect(a.logs.filter((line) => line.includes('background access-log verification failed'))).toEqual([]);

    // The stopped check saved how far it got before the database closed.
    const reopened = await openTestVault(database(), { masterKey: a.masterKey });
    try {
      const checkpoint = await reopened.vault.db
        .selectFrom('access_log_checkpoints')
        .select(['seq', 'broken_at'])
        .where('owner_id', '=', inA.owner.id)
        .executeTakeFirst();
      expect(checkpoint?.broken_at).toBeNull();
      expect(checkpoint?.seq).toBeGreaterThan(0);
      expect(checkpoint?.seq).toBeLessThan(20_000);
    } finally {
      await reopened.close();
    }

    expect((await verify(b, inB.cookie)).body).toMatchObject({ ok: null, checking: true });
    await b.vault.accessLogVerifier.idle();
    expect((await verify(b, inB.cookie)).body).toMatchObject({ ok: true, entries: 3_000 });
  });
});
