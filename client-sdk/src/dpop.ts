import { base64url, SignJWT } from 'jose';
import { randomId } from './random-id.ts';
import type { SigningKey } from './signing-key.ts';

/** What {@link createDpopProof} signs. */
export interface CreateDpopProofOptions {
  /** The vendor's key (see `loadSigningKey`). */
  key: SigningKey;
  /** The HTTP method of the request, e.g. `GET`. */
  htm: string;
  /** The request URL; its query and fragment are dropped. */
  htu: string | URL;
  /** The grant token the request carries, if any: it is bound with `ath`. */
  accessToken?: string;
  /** A server-provided `DPoP-Nonce`, if the vault asked for one. */
  nonce?: string;
  /** The current time, in milliseconds since the epoch. */
  now: number;
}

/**
 * The `htu` of a request: its URL "without query and fragment parts" (RFC 9449 §4.2).
 *
 * @example
 * dpopHtu('https://vault.example/v1/data?x=1#y') // 'https://vault.example/v1/data'
 */
export function dpopHtu(url: string | URL): string {
  const parsed = new URL(url);
  parsed.search = '';
  parsed.hash = '';
  return parsed.href;
}

/**
 * base64url(SHA-256(ASCII(access token))): a DPoP proof's `ath` (RFC 9449 §4.2).
 *
 * @example
 * await accessTokenHash(grant) // 'fUHyO2r2Z3DZ53EsNrWBb0xWXoaNy59IiKCAqksmQEo'
 */
export async function accessTokenHash(accessToken: string): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(accessToken));
  return base64url.encode(new Uint8Array(digest));
}

/**
 * Signs a DPoP proof JWT (RFC 9449 §4.2) for one request. Every proof has a
 * fresh `jti`: a vault accepts each proof once, so build one per attempt.
 *
 * @example
 * const proof = await createDpopProof({ key, htm: 'GET', htu: 'https://vault.example/v1/data', accessToken: grant, now: Date.now() });
 * await fetch('https://vault.example/v1/data', { headers: { authorization: `DPoP ${grant}`, dpop: proof } });
 */
export async function createDpopProof({
  key,
  htm,
  htu,
  accessToken,
  nonce,
  now,
}: CreateDpopProofOptions): Promise<string> {
  const claims: Record<string, string> = { htm: htm.toUpperCase(), htu: dpopHtu(htu) };
  // RFC 9449 §4.2: "ath: … required when the DPoP proof is used in conjunction with the presentation of an access token".
  if (accessToken !== undefined) claims.ath = await accessTokenHash(accessToken);
  if (nonce !== undefined) claims.nonce = nonce;
  // RFC 9449 §4.2: the header carries the public key, and "MUST NOT contain a private key".
  return new SignJWT(claims)
    .setProtectedHeader({ typ: 'dpop+jwt', alg: key.alg, jwk: key.publicJwk })
    .setJti(randomId())
    .setIssuedAt(Math.floor(now / 1000))
    .sign(key.key);
}
