import { SignJWT } from 'jose';
import { randomId } from './random-id.ts';
import type { SigningKey } from './signing-key.ts';

/** An assertion lives one minute: long enough for one request, short enough to be useless once seen. */
export const CLIENT_ASSERTION_LIFETIME_SECONDS = 60;

/** What {@link createClientAssertion} signs. */
export interface CreateClientAssertionOptions {
  /** The vendor's key (see `loadSigningKey`). */
  key: SigningKey;
  /** The vendor's client id: the URL of its metadata document. */
  clientId: string;
  /** The vault's issuer identifier, e.g. `https://vault.example`. */
  audience: string;
  /** The current time, in milliseconds since the epoch. */
  now: number;
  /** Extra claims to state under the vendor's signature, e.g. the agreements it accepts. */
  claims?: Record<string, unknown>;
}

/**
 * Signs a `private_key_jwt` client assertion (RFC 7523 §3) that authenticates
 * the vendor to a vault. Each assertion has a fresh `jti`; build one per request.
 *
 * @example
 * const assertion = await createClientAssertion({ key, clientId: 'https://shop.example/kith.json', audience: 'https://vault.example', now: Date.now() });
 * // body: { client_assertion_type: CLIENT_ASSERTION_TYPE, client_assertion: assertion, … }
 */
export async function createClientAssertion({
  key,
  clientId,
  audience,
  now,
  claims = {},
}: CreateClientAssertionOptions): Promise<string> {
  const iat = Math.floor(now / 1000);
  // RFC 7523 §3: iss and sub are both the client id; aud identifies the vault; exp, jti for replay protection.
  return new SignJWT({ ...claims })
    .setProtectedHeader({ alg: key.alg, kid: key.kid, typ: 'JWT' })
    .setIssuer(clientId)
    .setSubject(clientId)
    .setAudience(audience)
    .setJti(randomId())
    .setIssuedAt(iat)
    .setExpirationTime(iat + CLIENT_ASSERTION_LIFETIME_SECONDS)
    .sign(key.key);
}
