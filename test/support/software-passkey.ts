/**
 * A passkey held in the test process, not in a browser: a software
 * authenticator that answers WebAuthn ceremonies the way a platform one does
 * (Ed25519, user verified, "none" attestation), so HTTP-level tests can enroll
 * and sign in for real against the server's WebAuthn checks without Chromium.
 */
import { createHash, generateKeyPairSync, type KeyObject, randomBytes, sign } from 'node:crypto';
import { issueEnrollment } from '../../server/src/owners/enrollment.service.ts';
import type { TestVault } from './test-vault.ts';

export interface SoftwarePasskey {
  credentialId: string;
  /** An assertion answering `options` (from `/auth/sign-in/options`). */
  assert(options: { challenge: string }): AuthenticationResponse;
}

export interface AuthenticationResponse {
  id: string;
  rawId: string;
  type: 'public-key';
  clientExtensionResults: Record<string, never>;
  response: { clientDataJSON: string; authenticatorData: string; signature: string; userHandle?: string };
}

/** A same-origin JSON client of the vault's ceremony endpoints: cookies, CSRF token, origin. */
export interface CeremonyClient {
  post(path: string, body?: unknown, headers?: Record<string, string>): Promise<Response>;
  /** Posts a form, as the recovery-code form does. */
  postForm(path: string, form: Record<string, string>, headers?: Record<string, string>): Promise<Response>;
}

/**
 * Opens a page at `path` (for its CSRF token and cookie), in a session when
 * `sessionCookie` is given, and answers a client
 * that posts JSON from the vault's own origin, as `static/kith.js` does.
 */
export async function ceremonyClient(
  vaultUrl: string,
  path = '/sign-in',
  sessionCookie?: string,
): Promise<CeremonyClient> {
  const page = await fetch(`${vaultUrl}${path}`, { headers: sessionCookie ? { cookie: sessionCookie } : {} });
  const cookie = [sessionCookie, ...page.headers.getSetCookie().map((line) => line.split(';')[0])]
    .filter(Boolean)
    .join('; ');
  const token = /<meta name="csrf-token" content="([^"]+)"/.exec(await page.text())?.[1] ?? '';
  const send = (to: string, body: string, type: string, headers: Record<string, string>) =>
    fetch(`${vaultUrl}${to}`, {
      method: 'POST',
      redirect: 'manual',
      headers: {
        cookie,
        origin: new URL(vaultUrl).origin,
        'sec-fetch-site': 'same-origin',
        'content-type': type,
        'x-csrf-token': token,
        ...headers,
      },
      body,
    });
  return {
    post: (to, body = {}, headers = {}) => send(to, JSON.stringify(body), 'application/json', headers),
    postForm: (to, form, headers = {}) =>
      send(to, new URLSearchParams(form).toString(), 'application/x-www-form-urlencoded', headers),
  };
}

/**
 * Enrolls a new software passkey for `ownerId` through the real enrollment
 * link and ceremony endpoints.
 *
 * @example
 * const passkey = await enrollSoftwarePasskey(vault, owner.id);
 */
export async function enrollSoftwarePasskey(
  vault: TestVault & { url: string },
  ownerId: string,
): Promise<SoftwarePasskey> {
  const deps = { db: vault.vault.db, keys: vault.vault.keys, clock: vault.clock, config: vault.config };
  const { url } = await issueEnrollment(deps, { ownerId, reason: 'reset' });
  const token = new URL(url).pathname.split('/').pop() ?? '';
  const client = await ceremonyClient(vault.url, `/enroll/${token}`);
  const optionsRes = await client.post('/auth/enroll/options', { token });
  if (optionsRes.status !== 200)
    throw new Error(`enroll options: ${optionsRes.status} ${await optionsRes.text()}`);
  const options = (await optionsRes.json()) as {
    challenge: string;
    rp: { id: string };
    user: { id: string };
  };

  const { publicKey, privateKey } = generateKeyPairSync('ed25519');
  const rawId = randomBytes(16);
  const x = publicKey.export({ format: 'jwk' }).x as string;
  // RFC 9053 §7.2 (OKP), RFC 9052 §7: kty 1 = OKP, alg -8 = EdDSA, crv 6 = Ed25519.
  const coseKey = cborMap([
    [1, 1],
    [3, -8],
    [-1, 6],
    [-2, Buffer.from(x, 'base64url')],
  ]);
  const length = Buffer.alloc(2);
  length.writeUInt16BE(rawId.length);
  const authData = Buffer.concat([
    sha256(options.rp.id),
    Buffer.from([0x45]), // UP | UV | AT
    Buffer.alloc(4), // sign count 0, as synced passkeys send
    Buffer.alloc(16), // AAGUID
    length,
    rawId,
    coseKey,
  ]);
  const clientDataJSON = clientData('webauthn.create', options.challenge, vault.url);
  const attestationObject = cborMap([
    ['fmt', 'none'],
    ['attStmt', { entries: [] }],
    ['authData', authData],
  ]);
  const credentialId = rawId.toString('base64url');
  const verifyRes = await client.post('/auth/enroll/verify', {
    token,
    response: {
      id: credentialId,
      rawId: credentialId,
      type: 'public-key',
      clientExtensionResults: {},
      response: {
        clientDataJSON: clientDataJSON.toString('base64url'),
        attestationObject: attestationObject.toString('base64url'),
        transports: ['internal'],
      },
    },
  });
  if (verifyRes.status !== 200)
    throw new Error(`enroll verify: ${verifyRes.status} ${await verifyRes.text()}`);
  return softwarePasskey(vault.url, credentialId, privateKey, options.user.id);
}

function softwarePasskey(
  origin: string,
  credentialId: string,
  key: KeyObject,
  userHandle: string,
): SoftwarePasskey {
  const rpId = new URL(origin).hostname;
  return {
    credentialId,
    assert(options) {
      // Sign count always 0, as synced passkeys send: no counter to catch a replay, only the challenge.
      const authenticatorData = Buffer.concat([sha256(rpId), Buffer.from([0x05]), Buffer.alloc(4)]); // UP | UV
      const clientDataJSON = clientData('webauthn.get', options.challenge, origin);
      const signature = sign(null, Buffer.concat([authenticatorData, sha256(clientDataJSON)]), key);
      return {
        id: credentialId,
        rawId: credentialId,
        type: 'public-key',
        clientExtensionResults: {},
        response: {
          clientDataJSON: clientDataJSON.toString('base64url'),
          authenticatorData: authenticatorData.toString('base64url'),
          signature: signature.toString('base64url'),
          userHandle,
        },
      };
    },
  };
}

function clientData(type: string, challenge: string, origin: string): Buffer {
  return Buffer.from(JSON.stringify({ type, challenge, origin: new URL(origin).origin, crossOrigin: false }));
}

function sha256(data: string | Buffer): Buffer {
  return createHash('sha256').update(data).digest();
}

// Just enough CBOR (RFC 8949) for a COSE key and an attestation object.
type CborValue = number | string | Buffer | CborMap;
type CborMap = { entries: [CborValue, CborValue][] };

function cborMap(entries: [CborValue, CborValue][]): Buffer {
  return cbor({ entries });
}

function cbor(value: CborValue): Buffer {
  if (typeof value === 'number') return value >= 0 ? head(0, value) : head(1, -1 - value);
  if (typeof value === 'string')
    return Buffer.concat([head(3, Buffer.byteLength(value)), Buffer.from(value)]);
  if (Buffer.isBuffer(value)) return Buffer.concat([head(2, value.length), value]);
  return Buffer.concat([
    head(5, value.entries.length),
    ...value.entries.flatMap(([k, v]) => [cbor(k), cbor(v)]),
  ]);
}

function head(major: number, n: number): Buffer {
  if (n < 24) return Buffer.from([(major << 5) | n]);
  if (n < 256) return Buffer.from([(major << 5) | 24, n]);
  const b = Buffer.alloc(3);
  b[0] = (major << 5) | 25;
  b.writeUInt16BE(n, 1);
  return b;
}
