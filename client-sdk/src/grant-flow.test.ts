import { CLIENT_ASSERTION_TYPE } from '@kith/schemas';
import { decodeJwt, importJWK, SignJWT } from 'jose';
import { beforeAll, describe, expect, it } from 'vitest';
import { createFakeClock, createFakeVault, VAULT } from '../test-support/fake-vault.ts';
import { createKithClient } from './create-kith-client.ts';
import { generateKeyPair, type KeyPair } from './key-pair.ts';

const clientId = 'https://shop.example/.well-known/kith-client.json';

let pair: KeyPair;
beforeAll(async () => {
  pair = await generateKeyPair();
});

async function setup() {
  const vault = await createFakeVault({ vendorPublicJwk: pair.publicJwk, clientId });
  const kith = createKithClient({
    clientId,
    privateJwk: pair.privateJwk,
    fetch: vault.fetch,
    clock: createFakeClock(),
  });
  return { vault, kith };
}

describe('a grant from request to relinquish', () => {
  it('requests with snake_case on the wire and answers camelCase', async () => {
    const { vault, kith } = await setup();
    const created = await kith.requestGrant({
      vault: `${VAULT}/`,
      fields: ['name', 'email', 'address'],
      optionalFields: ['phone_number'],
      purpose: 'delivery',
      duration: '30d',
      contact: { channels: ['email'], purposes: ['service'], maxPerWeek: 2 },
      redirectUri: 'https://shop.example/kith/callback',
      state: 'state-1',
    });
    expect(created).toEqual({
      id: 'req-1',
      vault: VAULT,
      approveUrl: `${VAULT}/approve/req-1`,
      userCode: 'KITH-7Q2F',
      expiresAt: '2030-01-01T00:10:00.000Z',
      interval: 5,
    });
    const [sent] = vault.requestsTo('/v1/grant-requests');
    expect(sent?.body).toEqual({
      client_assertion_type: CLIENT_ASSERTION_TYPE,
      client_assertion: expect.any(String),
      fields: ['name', 'email', 'address'],
      optional_fields: ['phone_number'],
      purpose: 'delivery',
      duration: 2_592_000,
      contact: { channels: ['email'], purposes: ['service'], max_per_week: 2 },
      redirect_uri: 'https://shop.example/kith/callback',
      state: 'state-1',
    });
    expect(decodeJwt(String(sent?.body?.client_assertion)).aud).toBe(VAULT);
  });

  it('collects with the redirect code, redeems with DPoP, revalidates with ETag, relinquishes', async () => {
    const { vault, kith } = await setup();
    await kith.requestGrant({
      vault: VAULT,
      fields: ['name'],
      purpose: 'delivery',
      duration: 3600,
      state: 's-9',
    });
    const collected = await kith.collectGrant({ vault: VAULT, code: 'code-1' });
    expect(collected).toMatchObject({
      grantId: expect.any(String),
      sub: 'pairwise-sub-1',
      fields: ['name', 'email', 'address'],
      purpose: 'delivery',
      expiresAt: '2030-01-01T00:00:00.000Z',
      receipt: 'receipt.jws.here',
      state: 's-9',
    });
    const [collect] = vault.requestsTo('/v1/grants/collect');
    expect(collect?.body).toMatchObject({ code: 'code-1' });
    expect(collect?.body).not.toHaveProperty('request_id');
    expect(collect?.headers.get('dpop')).toBeTruthy();

    // No vault URL needed: the grant names its issuer.
    const first = await kith.redeem(collected.grant);
    expect(first).toEqual({
      sub: 'pairwise-sub-1',
      grantId: collected.grantId,
      version: 1,
      fields: vault.profile,
      etag: '"v1"',
    });
    const [read] = vault.requestsTo('/v1/data');
    expect(read?.headers.get('authorization')).toBe(`DPoP ${collected.grant}`);

    expect(await kith.redeem(collected.grant, { ifNoneMatch: '"v1"' })).toEqual({
      notModified: true,
      etag: '"v1"',
    });
    expect(vault.requestsTo('/v1/data').at(-1)?.headers.get('if-none-match')).toBe('"v1"');

    vault.update('email', 'ada@lovelace.example');
    expect(await kith.redeem(collected.grant, { ifNoneMatch: '"v1"' })).toMatchObject({
      version: 2,
      fields: { email: 'ada@lovelace.example' },
      etag: '"v2"',
    });

    await kith.relinquish(collected.grant);
    await expect(kith.redeem(collected.grant)).rejects.toMatchObject({ code: 'GRANT_REVOKED', status: 401 });
  });

  it('fetches discovery once per vault', async () => {
    const { vault, kith } = await setup();
    const { grant } = await kith.collectGrant({ vault: VAULT, requestId: 'req-1' });
    await kith.redeem(grant);
    await kith.redeem(grant);
    expect(vault.requestsTo('/.well-known/kith')).toHaveLength(1);
  });

  it('refuses a collected grant that is not bound to its key', async () => {
    const other = await generateKeyPair();
    const vault = await createFakeVault({ vendorPublicJwk: pair.publicJwk, clientId });
    // Collect with a client whose DPoP key differs from its assertion key: the grant binds the other key.
    const kith = createKithClient({ clientId, privateJwk: pair.privateJwk, fetch: vault.fetch });
    const sneaky = createKithClient({
      clientId,
      privateJwk: other.privateJwk,
      fetch: (async (input: RequestInfo | URL, init?: RequestInit) => {
        const request = new Request(input, init);
        if (new URL(request.url).pathname !== '/v1/grants/collect') return vault.fetch(request);
        const { grant } = await kith.collectGrant({ vault: VAULT, requestId: 'req-1' });
        return Response.json({
          grant,
          grant_id: 'g',
          sub: 's',
          fields: ['name'],
          purpose: 'delivery',
          expires_at: '2030-01-01T00:00:00.000Z',
          receipt: 'r',
        });
      }) as typeof fetch,
    });
    await expect(sneaky.collectGrant({ vault: VAULT, requestId: 'req-1' })).rejects.toMatchObject({
      code: 'INVALID_RESPONSE',
    });
  });
});

describe('where a grant may be sent', () => {
  async function grantFrom(iss: string): Promise<string> {
    const { privateJwk } = await generateKeyPair();
    return new SignJWT({ cnf: { jkt: 'x' } })
      .setProtectedHeader({ alg: 'EdDSA', typ: 'kith-grant+jwt' })
      .setIssuer(iss)
      .sign(await importJWK(privateJwk, 'EdDSA'));
  }

  it('never sends a grant to an issuer over plain http, except to this machine', async () => {
    for (const iss of [
      'http://vault.example',
      'http://10.0.0.1',
      'ftp://vault.example',
      'javascript:alert(1)',
    ]) {
      const seen: string[] = [];
      const kith = createKithClient({
        clientId,
        privateJwk: pair.privateJwk,
        fetch: (async (input: RequestInfo | URL) => {
          seen.push(String(input));
          return new Response(null, { status: 500 });
        }) as typeof fetch,
      });
      await expect(kith.redeem(await grantFrom(iss)), iss).rejects.toMatchObject({ code: 'UNTRUSTED_VAULT' });
      await expect(kith.relinquish(await grantFrom(iss)), iss).rejects.toMatchObject({
        code: 'UNTRUSTED_VAULT',
      });
      expect(seen).toEqual([]);
    }
  });

  it('accepts http on localhost, 127.0.0.1 and [::1] for development', async () => {
    for (const iss of ['http://localhost:3000', 'http://127.0.0.1:8080', 'http://[::1]:3000']) {
      const vault = await createFakeVault({ vendorPublicJwk: pair.publicJwk, clientId, issuer: iss });
      const kith = createKithClient({ clientId, privateJwk: pair.privateJwk, fetch: vault.fetch });
      const { grant } = await kith.collectGrant({ vault: iss, requestId: 'req-1' });
      expect(await kith.redeem(grant), iss).toMatchObject({ sub: 'pairwise-sub-1' });
    }
  });

  it('refuses a vault whose discovery points its data endpoint at another origin', async () => {
    const vault = await createFakeVault({
      vendorPublicJwk: pair.publicJwk,
      clientId,
      discovery: { data_endpoint: 'https://collector.example/v1/data' },
    });
    const kith = createKithClient({ clientId, privateJwk: pair.privateJwk, fetch: vault.fetch });
    await expect(kith.discover(VAULT)).rejects.toMatchObject({ code: 'UNTRUSTED_VAULT' });
    expect(vault.seen.some((seen) => seen.url.startsWith('https://collector.example'))).toBe(false);
  });

  it('refuses a discovery document that names another issuer (RFC 8414 §3.3)', async () => {
    const vault = await createFakeVault({
      vendorPublicJwk: pair.publicJwk,
      clientId,
      discovery: { issuer: 'https://elsewhere.example' },
    });
    const kith = createKithClient({ clientId, privateJwk: pair.privateJwk, fetch: vault.fetch });
    await expect(kith.discover(VAULT)).rejects.toMatchObject({ code: 'INVALID_RESPONSE' });
  });

  it('refuses what is not a Kith grant before sending anything', async () => {
    const kith = createKithClient({
      clientId,
      privateJwk: pair.privateJwk,
      fetch: (() => {
        throw new Error('must not fetch');
      }) as typeof fetch,
    });
    const plainJwt = await new SignJWT({ iss: VAULT })
      .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
      .sign(new Uint8Array(32));
    for (const bad of ['', 'not-a-jwt', 'a.b.c', plainJwt]) {
      await expect(kith.redeem(bad), bad).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    }
  });
});

describe('createKithClient', () => {
  it('fails at start-up on bad configuration', () => {
    const { d: _d, ...publicOnly } = pair.privateJwk;
    for (const options of [
      { clientId: 'not a url', privateJwk: pair.privateJwk },
      { clientId, privateJwk: publicOnly },
      { clientId, privateJwk: { kty: 'oct', k: 'c2VjcmV0' } },
      { clientId, privateJwk: { ...pair.privateJwk, crv: 'Ed448' } },
      { clientId, privateJwk: null },
      { clientId, privateJwk: pair.privateJwk, vault: 'http://vault.example' },
      { clientId, privateJwk: pair.privateJwk, retry: { retries: -1 } },
    ]) {
      expect(() => createKithClient(options as never), JSON.stringify(options)).toThrow(
        expect.objectContaining({ name: 'KithClientError' }),
      );
    }
  });

  it('needs a vault for requests when it has no default', async () => {
    const kith = createKithClient({ clientId, privateJwk: pair.privateJwk });
    await expect(
      kith.requestGrant({ fields: ['name'], purpose: 'delivery', duration: '1d' }),
    ).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
  });
});
