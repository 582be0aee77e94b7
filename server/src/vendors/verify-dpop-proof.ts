import { createHash, timingSafeEqual } from 'node:crypto';
import { calculateJwkThumbprint, decodeProtectedHeader, type JWK, jwtVerify } from 'jose';
import type { Clock } from '../clock.ts';
import type { Config } from '../config.ts';
import type { Db } from '../db/database.ts';
import { KithError } from '../http/kith-error.ts';
import { importVendorJwk, isVendorSigningAlg, VENDOR_SIGNING_ALGS } from './public-jwk.ts';
import { useJtiOnce } from './replay-cache.ts';

export interface DpopDeps {
  db: Db;
  clock: Clock;
  config: Pick<Config, 'publicUrl'>;
}

export interface VerifyDpopProofInput {
  /** The `DPoP` header as received; several headers arrive joined by commas. */
  dpop: string | undefined;
  /** The request method, e.g. `GET`. */
  method: string;
  /** The request path (`c.req.path`); the URL is rebuilt on the public URL so a proxy in front changes nothing. */
  path: string;
  /** The access token sent with the proof (`Authorization: DPoP <token>`); the proof must carry its hash as `ath`. */
  accessToken?: string;
}

export interface VerifiedDpopProof {
  /** The RFC 7638 SHA-256 thumbprint of the proof key: what `cnf.jkt` binds a grant to. */
  jkt: string;
  /** The proof's public key. */
  jwk: JWK;
}

/** RFC 9449 §4.2: the proof's media type. */
export const DPOP_PROOF_TYPE = 'dpop+jwt';
/** How far a proof's `iat` may be from our clock, either way. */
export const DPOP_IAT_WINDOW_MS = 60_000;
const MAX_PROOF_LENGTH = 8192;
const JWS_COMPACT = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/;

/**
 * Checks a DPoP proof as RFC 9449 §4.3 lists, and uses its `jti` once.
 * Every failure is `INVALID_DPOP_PROOF` with a `WWW-Authenticate: DPoP`
 * challenge; the reason stays on the server (as the error's `cause`).
 *
 * @example
 * const { jkt } = await verifyDpopProof(deps, { dpop: c.req.header('dpop'), method: c.req.method, path: c.req.path, accessToken });
 * if (jkt !== grant.cnf.jkt) throw new KithError('INVALID_DPOP_PROOF');
 */
export async function verifyDpopProof(
  deps: DpopDeps,
  input: VerifyDpopProofInput,
): Promise<VerifiedDpopProof> {
  const proof = input.dpop;

  // §4.3 (1): there is exactly one DPoP HTTP request header field.
  if (proof === undefined || proof === '') throw refuse('no DPoP header');
  if (proof.includes(',')) throw refuse('more than one DPoP header');
  if (proof.length > MAX_PROOF_LENGTH) throw refuse('the proof is too long');

  // §4.3 (2): the DPoP header field value is a single well-formed JWT.
  if (!JWS_COMPACT.test(proof)) throw refuse('the proof is not a compact JWS');
  let header: ReturnType<typeof decodeProtectedHeader>;
  try {
    header = decodeProtectedHeader(proof);
  } catch {
    throw refuse('the proof header is not JSON');
  }

  // §4.3 (4): the typ JOSE Header Parameter has the value dpop+jwt.
  if (header.typ !== DPOP_PROOF_TYPE) throw refuse('typ is not dpop+jwt');

  // §4.3 (5): alg is an asymmetric algorithm we support, never none nor a MAC (RFC 8725 §3.1).
  if (!isVendorSigningAlg(header.alg)) throw refuse('alg is not EdDSA or ES256');

  // §4.3 (7): the jwk JOSE Header Parameter does not contain a private key.
  const imported = importVendorJwk(header.jwk, header.alg);
  if ('problem' in imported) throw refuse(`jwk: ${imported.problem}`);

  // §4.3 (6): the JWT signature verifies with the public key in the jwk header.
  let payload: Record<string, unknown>;
  try {
    ({ payload } = await jwtVerify(proof, imported.key, {
      algorithms: [header.alg],
      typ: DPOP_PROOF_TYPE,
      currentDate: new Date(deps.clock.now()),
    }));
  } catch {
    throw refuse('the signature does not verify');
  }

  // §4.3 (8): the htm claim matches the HTTP method of the request.
  if (payload.htm !== input.method) throw refuse('htm does not match the method');

  // §4.3 (9): the htu claim matches the request URL, ignoring query and fragment.
  const expectedUrl = requestUrl(deps, input.path);
  if (
    typeof payload.htu !== 'string' ||
    expectedUrl === undefined ||
    withoutQuery(payload.htu) !== expectedUrl
  ) {
    throw refuse('htu does not match the URL');
  }

  // §4.3 (11): the proof was created recently (iat within an acceptable window).
  const iat = payload.iat;
  if (typeof iat !== 'number' || !Number.isFinite(iat)) throw refuse('no iat');
  if (Math.abs(deps.clock.now() - iat * 1000) > DPOP_IAT_WINDOW_MS) throw refuse('iat is too far from now');

  // §4.3 (12): with an access token, ath is the base64url SHA-256 of that token.
  if (input.accessToken !== undefined) {
    const expected = createHash('sha256').update(input.accessToken).digest();
    const ath = typeof payload.ath === 'string' ? Buffer.from(payload.ath, 'base64url') : Buffer.alloc(0);
    if (ath.length !== expected.length || !timingSafeEqual(ath, expected))
      throw refuse('ath does not match the token');
  }

  // §11.1: the jti has not been used before with this key. Checked last, so
  // only a proof that passed every other check is stored.
  const jti = payload.jti;
  if (typeof jti !== 'string' || jti.length < 16 || jti.length > 256)
    throw refuse('no jti, or one too short or long');
  const jwk: JWK = { ...(header.jwk as JWK) };
  const jkt = await calculateJwkThumbprint(jwk, 'sha256');
  const fresh = await useJtiOnce(deps, 'dpop_proof_jtis', {
    presenter: jkt,
    jti,
    expiresAt: iat * 1000 + DPOP_IAT_WINDOW_MS,
  });
  if (!fresh) throw refuse('the jti was used before');

  return { jkt, jwk };
}

function requestUrl(deps: DpopDeps, path: string): string | undefined {
  // Concatenated, not resolved: a path like `//host/x` must not change the origin.
  return withoutQuery(`${deps.config.publicUrl.origin}${path}`);
}

// RFC 9449 §4.3 (9) and RFC 3986 §6.2.2–6.2.3: compare normalised URLs without query and fragment.
function withoutQuery(value: string): string | undefined {
  try {
    const url = new URL(value);
    return `${url.origin}${url.pathname}`;
  } catch {
    return undefined;
  }
}

function refuse(reason: string): KithError {
  return new KithError('INVALID_DPOP_PROOF', {
    cause: reason,
    // RFC 9449 §7.1: the challenge names the error and the algorithms we accept.
    headers: {
      'www-authenticate': `DPoP error="invalid_dpop_proof", algs="${VENDOR_SIGNING_ALGS.join(' ')}"`,
    },
  });
}
