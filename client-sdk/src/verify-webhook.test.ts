import { describe, expect, it } from 'vitest';
import { isKithClientError } from './errors.ts';
import { verifyWebhook } from './verify-webhook.ts';

const NOW = Date.UTC(2026, 2, 1, 9, 0, 0);
const clock = { now: () => NOW };
const secret = `whsec_${btoa(String.fromCharCode(...new Uint8Array(32).fill(42)))}`;

async function ed25519(kid: string) {
  const pair = (await crypto.subtle.generateKey({ name: 'Ed25519' }, true, [
    'sign',
    'verify',
  ])) as CryptoKeyPair;
  const { x } = await crypto.subtle.exportKey('jwk', pair.publicKey);
  return {
    privateKey: pair.privateKey,
    jwk: { kty: 'OKP', crv: 'Ed25519', x, kid, alg: 'EdDSA', use: 'sig' } as JsonWebKey,
  };
}

const b64 = (bytes: ArrayBuffer) => btoa(String.fromCharCode(...new Uint8Array(bytes)));

async function signed(options: {
  key: CryptoKey;
  kid: string;
  id?: string;
  timestamp?: number;
  body?: string;
  iss?: string;
}) {
  const id = options.id ?? 'evt_1';
  const timestamp = options.timestamp ?? Math.floor(NOW / 1000);
  const body =
    options.body ??
    JSON.stringify({
      type: 'grant.revoked',
      id,
      iss: options.iss ?? 'https://vault.example',
      sequence: 7,
      timestamp: new Date(NOW).toISOString(),
      data: { sub: 's', grant_id: 'grt_1', revoked_by: 'owner' },
    });
  const content = new TextEncoder().encode(`${id}.${timestamp}.${body}`);
  const v1a = b64(await crypto.subtle.sign({ name: 'Ed25519' }, options.key, content));
  const hmacKey = await crypto.subtle.importKey(
    'raw',
    new Uint8Array(32).fill(42),
    { name: 'HMAC', hash: 'SHA-256' },
    false,
    ['sign'],
  );
  const v1 = b64(await crypto.subtle.sign('HMAC', hmacKey, content));
  return {
    headers: {
      'webhook-id': id,
      'webhook-timestamp': String(timestamp),
      'webhook-signature': `v1,${v1} v1a,${v1a}`,
      'webhook-key-id': options.kid,
    } as Record<string, string>,
    body,
  };
}

async function codeOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    if (isKithClientError(error)) return error.code;
    throw error;
  }
  throw new Error('expected a KithClientError');
}

describe('verifyWebhook', () => {
  it('accepts v1a with the JWKS, v1 with the secret, from a Request or headers and a body', async () => {
    const { privateKey, jwk } = await ed25519('k1');
    const webhook = await signed({ key: privateKey, kid: 'k1' });
    const expected = {
      type: 'grant.revoked',
      id: 'evt_1',
      iss: 'https://vault.example',
      sequence: 7,
      data: { grant_id: 'grt_1', revoked_by: 'owner' },
    };
    expect(await verifyWebhook(webhook, { jwks: { keys: [jwk] }, clock })).toMatchObject(expected);
    expect(await verifyWebhook(webhook, { secret, clock })).toMatchObject(expected);
    const request = new Request('https://shop.example/kith/webhooks', {
      method: 'POST',
      headers: webhook.headers,
      body: webhook.body,
    });
    expect(await verifyWebhook(request, { jwks: { keys: [jwk] }, clock })).toMatchObject(expected);
  });

  it('refuses a tampered body, a wrong key, a wrong secret and malformed signatures', async () => {
    const { privateKey, jwk } = await ed25519('k1');
    const stranger = await ed25519('k1');
    const webhook = await signed({ key: privateKey, kid: 'k1' });
    const wrongSecret = `whsec_${btoa('x'.repeat(32))}`;
    const cases: [typeof webhook, Parameters<typeof verifyWebhook>[1]][] = [
      [{ ...webhook, body: webhook.body.replace('owner', 'vendor') }, { jwks: { keys: [jwk] } }],
      [{ ...webhook, body: webhook.body.replace('owner', 'vendor') }, { secret }],
      [webhook, { jwks: { keys: [stranger.jwk] } }],
      [webhook, { secret: wrongSecret }],
      [{ ...webhook, headers: { ...webhook.headers, 'webhook-id': 'evt_2' } }, { secret }],
      [{ ...webhook, headers: { ...webhook.headers, 'webhook-key-id': 'k2' } }, { jwks: { keys: [jwk] } }],
    ];
    for (const signature of ['', 'v1a', 'v1a,', 'v1a,!!!', 'v1,AAAA v1a,AAAA', 'v2,abc']) {
      cases.push([
        { ...webhook, headers: { ...webhook.headers, 'webhook-signature': signature } },
        { jwks: { keys: [jwk] }, secret },
      ]);
    }
    for (const header of ['webhook-id', 'webhook-timestamp', 'webhook-signature']) {
      const { [header]: _dropped, ...headers } = webhook.headers;
      cases.push([{ ...webhook, headers }, { secret }]);
    }
    for (const [input, options] of cases) {
      expect(await codeOf(verifyWebhook(input, { ...options, clock }))).toBe('WEBHOOK_SIGNATURE_INVALID');
    }
  });

  it('refuses a timestamp outside the tolerance, either way', async () => {
    const { privateKey } = await ed25519('k1');
    for (const offset of [-301, 301, -86_400, 10 ** 9]) {
      const webhook = await signed({
        key: privateKey,
        kid: 'k1',
        timestamp: Math.floor(NOW / 1000) + offset,
      });
      expect(await codeOf(verifyWebhook(webhook, { secret, clock }))).toBe('WEBHOOK_TIMESTAMP_INVALID');
    }
    for (const timestamp of ['', 'abc', '-5', '1.5', '1e9', ' 1']) {
      const webhook = await signed({ key: privateKey, kid: 'k1' });
      const headers = { ...webhook.headers, 'webhook-timestamp': timestamp };
      expect(await codeOf(verifyWebhook({ headers, body: webhook.body }, { secret, clock }))).toMatch(
        /^WEBHOOK_(TIMESTAMP|SIGNATURE)_INVALID$/,
      );
    }
    const within = await signed({ key: privateKey, kid: 'k1', timestamp: Math.floor(NOW / 1000) - 60 });
    expect(await codeOf(verifyWebhook(within, { secret, clock, toleranceSeconds: 30 }))).toBe(
      'WEBHOOK_TIMESTAMP_INVALID',
    );
  });

  it('refuses a replayed id, after the signature checks out', async () => {
    const { privateKey } = await ed25519('k1');
    const webhook = await signed({ key: privateKey, kid: 'k1' });
    const seen = new Set<string>();
    const markSeen = async (id: string) => {
      const known = seen.has(id);
      seen.add(id);
      return known;
    };
    await verifyWebhook(webhook, { secret, clock, seen: markSeen });
    expect(await codeOf(verifyWebhook(webhook, { secret, clock, seen: markSeen }))).toBe('WEBHOOK_REPLAYED');
    // A forgery never reaches `seen`, so it cannot burn a real id.
    const forged = {
      ...webhook,
      body: webhook.body.replace('owner', 'vendor'),
      headers: { ...webhook.headers, 'webhook-id': 'evt_9' },
    };
    await codeOf(verifyWebhook(forged, { secret, clock, seen: markSeen }));
    expect(seen.has('evt_9')).toBe(false);
  });

  it('caches the vault JWKS and fetches it again for a kid it does not know', async () => {
    const first = await ed25519('k1');
    const second = await ed25519('k2');
    let published = [first.jwk];
    const fetched: string[] = [];
    const fetch = (async (url: string) => {
      fetched.push(url);
      return Response.json({ keys: published });
    }) as typeof globalThis.fetch;
    let now = NOW;
    const movingClock = { now: () => now };
    const vault = 'https://vault-a.example';
    await verifyWebhook(await signed({ key: first.privateKey, kid: 'k1', iss: vault }), {
      vault,
      fetch,
      clock: movingClock,
    });
    await verifyWebhook(await signed({ key: first.privateKey, kid: 'k1', iss: vault }), {
      vault,
      fetch,
      clock: movingClock,
    });
    expect(fetched).toEqual(['https://vault-a.example/.well-known/jwks.json']);

    // The vault rotates; a signature by the new key names a kid not yet seen.
    published = [second.jwk, first.jwk];
    now += 60_000;
    const rotated = await signed({
      key: second.privateKey,
      kid: 'k2',
      timestamp: Math.floor(now / 1000),
      iss: vault,
    });
    expect(await verifyWebhook(rotated, { vault, fetch, clock: movingClock })).toMatchObject({ id: 'evt_1' });
    expect(fetched).toHaveLength(2);
    // A burst of made-up kids does not make it fetch again.
    for (let i = 0; i < 5; i++) {
      const forged = { ...rotated, headers: { ...rotated.headers, 'webhook-key-id': `forged-${i}` } };
      expect(await codeOf(verifyWebhook(forged, { vault, fetch, clock: movingClock }))).toBe(
        'WEBHOOK_SIGNATURE_INVALID',
      );
    }
    expect(fetched).toHaveLength(2);
  });

  it('refuses an event that names another vault than the one whose keys verified it', async () => {
    const { privateKey, jwk } = await ed25519('k1');
    const vault = 'https://vault-b.example';
    const fetch = (async () => Response.json({ keys: [jwk] })) as unknown as typeof globalThis.fetch;
    const own = await signed({ key: privateKey, kid: 'k1', iss: `${vault}/` });
    expect(await verifyWebhook(own, { vault, fetch, clock })).toMatchObject({ iss: `${vault}/` });
    // Vault B's key signed an event claiming to come from vault C: it cannot speak for C.
    const claimed = await signed({ key: privateKey, kid: 'k1', iss: 'https://vault-c.example' });
    expect(await codeOf(verifyWebhook(claimed, { vault, fetch, clock }))).toBe('WEBHOOK_SIGNATURE_INVALID');
  });

  it('refuses to run without a vault, a jwks or a secret, and to fetch keys from a plain-http vault', async () => {
    const { privateKey } = await ed25519('k1');
    const webhook = await signed({ key: privateKey, kid: 'k1' });
    expect(await codeOf(verifyWebhook(webhook, { clock }))).toBe('INVALID_ARGUMENT');
    expect(await codeOf(verifyWebhook(webhook, { vault: 'http://vault.example', clock }))).toBe(
      'UNTRUSTED_VAULT',
    );
  });
});
