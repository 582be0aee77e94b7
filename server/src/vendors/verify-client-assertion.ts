import {
  CLIENT_ASSERTION_TYPE,
  GRANT_TOKEN_TYPE,
  isVendorSigningAlg,
  RECEIPT_TYPE,
  VENDOR_SIGNING_ALGS,
  type VendorMetadata,
} from '@kith/schemas';
import { createLocalJWKSet, decodeJwt, decodeProtectedHeader, type JWTPayload, jwtVerify } from 'jose';
import type { Config } from '../config.ts';
import { KithError } from '../http/kith-error.ts';
import { jtiKey, useJtiOnce } from './replay-cache.ts';
import type { VendorDeps as ResolveVendorDeps } from './resolve-vendor.ts';
import { resolveVendorForKey } from './resolve-vendor-key.ts';
import { DPOP_PROOF_TYPE } from './verify-dpop-proof.ts';

/** What vendor authentication needs: the vendor cache and the vault's public URL. */
export interface VendorDeps extends ResolveVendorDeps {
  config: Pick<Config, 'devAllowLocalVendors' | 'publicUrl'>;
}

export interface AuthenticateVendorInput {
  /** `client_assertion_type` from the body. */
  clientAssertionType: string | undefined;
  /** `client_assertion` from the body: a JWT the vendor signed. */
  clientAssertion: string | undefined;
  /** The full URL of the endpoint called; accepted as `aud` besides the vault's issuer. */
  endpoint: string;
  /** Only vendors whose metadata the vault fetched before (see `resolveVendor`). */
  knownVendorsOnly?: boolean;
}

/** The longest an assertion may live (RFC 7523 §3 asks for a short one). */
export const MAX_ASSERTION_SECONDS = 300;
/** How far ahead of our clock an assertion's `iat` may be. */
const IAT_LEEWAY_SECONDS = 60;
const MAX_ASSERTION_LENGTH = 8192;
const JWS_COMPACT = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/;
// Tokens the vault itself issues or verifies elsewhere: never a client assertion (RFC 8725 §3.12).
const FOREIGN_TYPES = new Set([GRANT_TOKEN_TYPE, RECEIPT_TYPE, DPOP_PROOF_TYPE].map(normaliseTyp));

/**
 * Authenticates a vendor by its `private_key_jwt` client assertion (RFC 7523
 * §2.2, §3) signed with a key from its metadata document. Every failure of
 * the assertion is one identical `INVALID_CLIENT`; the reason stays on the
 * server (as the error's `cause`). A metadata document that cannot be used
 * is `CLIENT_METADATA_INVALID`, whose detail helps the vendor fix it.
 *
 * @example
 * const { clientId, metadata } = await authenticateVendor(deps, {
 *   clientAssertionType: body.client_assertion_type,
 *   clientAssertion: body.client_assertion,
 *   endpoint: `${deps.config.publicUrl.origin}/v1/grant-requests`,
 * });
 */
export async function authenticateVendor(
  deps: VendorDeps,
  input: AuthenticateVendorInput,
): Promise<{ clientId: string; metadata: VendorMetadata; claims: JWTPayload }> {
  const assertion = input.clientAssertion;

  // RFC 7523 §2.2: the assertion type names a JWT bearer assertion.
  if (input.clientAssertionType !== CLIENT_ASSERTION_TYPE) throw refuse('wrong client_assertion_type');

  // RFC 7523 §3: the assertion is a single JWT (a JWS in compact form).
  if (
    typeof assertion !== 'string' ||
    assertion.length > MAX_ASSERTION_LENGTH ||
    !JWS_COMPACT.test(assertion)
  ) {
    throw refuse('the assertion is not a compact JWS');
  }
  let header: ReturnType<typeof decodeProtectedHeader>;
  let unverified: JWTPayload;
  try {
    header = decodeProtectedHeader(assertion);
    unverified = decodeJwt(assertion);
  } catch {
    throw refuse('the assertion does not decode');
  }

  // RFC 8725 §3.1: the algorithm is one we allow, never none nor a MAC.
  if (!isVendorSigningAlg(header.alg)) throw refuse('alg is not EdDSA or ES256');

  // RFC 8725 §3.12: a token of another kind (a grant, a DPoP proof) is not an assertion.
  if (
    header.typ !== undefined &&
    (typeof header.typ !== 'string' || FOREIGN_TYPES.has(normaliseTyp(header.typ)))
  ) {
    throw refuse('typ names another kind of token');
  }

  // RFC 7523 §3 (1, 2): iss and sub are both the client id.
  const clientId = unverified.iss;
  if (typeof clientId !== 'string' || unverified.sub !== clientId)
    throw refuse('iss and sub are not the same client id');

  // RFC 7523 §3 (3): aud identifies the vault — its issuer, or the endpoint
  // called — and only the vault, so one assertion cannot serve two audiences.
  const audiences = [deps.config.publicUrl.origin, input.endpoint];
  const aud =
    Array.isArray(unverified.aud) && unverified.aud.length === 1 ? unverified.aud[0] : unverified.aud;
  if (typeof aud !== 'string' || !audiences.includes(aud)) throw refuse('aud is not this vault');

  // The keys come from the vendor's own metadata document, at its client id;
  // fetched only for an assertion meant for us, so a stray one costs no fetch.
  // A kid the cached document lacks may be a key the vendor rotated in since: fetched again, bounded.
  const kid = typeof header.kid === 'string' ? header.kid : undefined;
  const { metadata, keyKnown } = await resolveVendorForKey(deps, clientId, kid, {
    knownOnly: input.knownVendorsOnly ?? false,
  });
  if (!keyKnown) {
    throw new KithError('INVALID_CLIENT', {
      detail:
        'The assertion is signed with a key (kid) that your metadata document does not list, even when fetched again: publish the key in its jwks, or sign with a key it lists.',
      cause: 'unknown kid',
    });
  }

  // RFC 7523 §3 (4–6, 9): signed by a key of the vendor (by kid when given),
  // exp in the future, nbf passed, iss, sub and aud as above.
  let payload: JWTPayload;
  try {
    ({ payload } = await jwtVerify(
      assertion,
      createLocalJWKSet(metadata.jwks as Parameters<typeof createLocalJWKSet>[0]),
      {
        algorithms: [...VENDOR_SIGNING_ALGS],
        issuer: clientId,
        subject: clientId,
        audience: audiences,
        requiredClaims: ['exp', 'jti'],
        currentDate: new Date(deps.clock.now()),
      },
    ));
  } catch {
    throw refuse('the signature or a registered claim does not verify');
  }

  // RFC 7523 §3 (4): a short-lived assertion — exp at most five minutes after iat, or after now.
  const now = Math.floor(deps.clock.now() / 1000);
  const exp = payload.exp as number;
  if (
    payload.iat !== undefined &&
    (typeof payload.iat !== 'number' || payload.iat > now + IAT_LEEWAY_SECONDS)
  ) {
    throw refuse('iat is in the future');
  }
  if (exp - (payload.iat ?? now) > MAX_ASSERTION_SECONDS || exp - now > MAX_ASSERTION_SECONDS) {
    throw refuse('exp is too far away');
  }

  // RFC 7523 §3 (7): the jti is used once; kept until the assertion expires.
  const jti = payload.jti;
  if (typeof jti !== 'string' || jti.length < 16 || jti.length > 256)
    throw refuse('no jti, or one too short or long');
  if (
    !(await useJtiOnce(deps, 'client_assertion_jtis', {
      jtiHash: jtiKey(clientId, jti),
      expiresAt: exp * 1000,
    }))
  ) {
    throw refuse('the jti was used before');
  }

  return { clientId, metadata, claims: payload };
}

// Media types compare case-insensitively, with or without `application/` (RFC 7515 §4.1.9).
function normaliseTyp(typ: string): string {
  return typ.toLowerCase().replace(/^application\//, '');
}

function refuse(reason: string): KithError {
  return new KithError('INVALID_CLIENT', { cause: reason });
}
