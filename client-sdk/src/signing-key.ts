import { VENDOR_KEY_SHAPES, type VendorSigningAlg, vendorKeyAlg } from '@kith/schemas';
import { calculateJwkThumbprint, importJWK, type JWK } from 'jose';
import { clientError } from './errors.ts';

/** The signature algorithms a vendor key may use. Both are in every Kith vault's discovery document. */
export type SigningAlgorithm = VendorSigningAlg;

/** A vendor's private key, ready to sign client assertions and DPoP proofs. */
export interface SigningKey {
  alg: SigningAlgorithm;
  kid: string;
  /** The public half, with only public members (plus `kid`, `alg`, `use`). */
  publicJwk: JWK;
  /** RFC 7638 SHA-256 thumbprint of the public key: the `cnf.jkt` a vault binds grants to (RFC 9449 §6.1). */
  thumbprint: string;
  key: CryptoKey;
}

/**
 * Infers the algorithm of a JWK: its `alg` if present, otherwise from its key type and curve.
 *
 * @example
 * algorithmOf({ kty: 'OKP', crv: 'Ed25519', x: '…' }) // 'EdDSA'
 */
export function algorithmOf(jwk: JWK): SigningAlgorithm {
  const alg = vendorKeyAlg(jwk);
  // jose also names an Ed25519 key's algorithm `Ed25519` (RFC 9864), the same key as `EdDSA`.
  if (alg && (jwk.alg === undefined || jwk.alg === alg || (alg === 'EdDSA' && jwk.alg === 'Ed25519'))) {
    return alg;
  }
  throw clientError('INVALID_ARGUMENT', {
    detail: 'the key must be an Ed25519 (EdDSA) or P-256 (ES256) JWK.',
  });
}

/**
 * The public half of a JWK: only the members that make the public key, plus `kid`, `alg` and `use`.
 * Private members (`d`, …) and anything unknown are dropped, whatever the input holds.
 *
 * @example
 * toPublicJwk(privateJwk) // { kty: 'OKP', crv: 'Ed25519', x: '…', kid: '…', alg: 'EdDSA', use: 'sig' }
 */
export function toPublicJwk(jwk: JWK): JWK {
  const alg = algorithmOf(jwk);
  const out: JWK = {};
  // The members that make up the public key (RFC 7517 §4, RFC 7518 §6, RFC 8037 §2).
  for (const name of ['kty', 'crv', ...VENDOR_KEY_SHAPES[alg].members]) {
    const value = (jwk as Record<string, unknown>)[name];
    if (typeof value !== 'string') {
      throw clientError('INVALID_ARGUMENT', { detail: `the JWK lacks its "${name}" member.` });
    }
    (out as Record<string, unknown>)[name] = value;
  }
  if (jwk.kid !== undefined) out.kid = jwk.kid;
  out.alg = alg;
  out.use = 'sig';
  return out;
}

/**
 * Checks a private JWK synchronously, so a misconfigured vendor fails at start-up, not on its first request.
 *
 * @example
 * assertPrivateJwk(JSON.parse(process.env.KITH_PRIVATE_JWK))
 */
export function assertPrivateJwk(jwk: unknown): asserts jwk is JWK {
  if (typeof jwk !== 'object' || jwk === null || Array.isArray(jwk)) {
    throw clientError('INVALID_ARGUMENT', { detail: 'privateJwk must be a JWK object.' });
  }
  const candidate = jwk as JWK;
  if (typeof candidate.d !== 'string' || candidate.d === '') {
    throw clientError('INVALID_ARGUMENT', { detail: 'privateJwk must be a private key (it has no "d").' });
  }
  algorithmOf(candidate);
  toPublicJwk(candidate);
}

/**
 * Imports a vendor's private JWK for signing and works out its public JWK, `kid` and thumbprint.
 * The `kid` is the JWK's own, or its RFC 7638 thumbprint when it has none.
 *
 * @example
 * const key = await loadSigningKey(privateJwk);
 * key.thumbprint // the cnf.jkt of every grant collected with it
 */
export async function loadSigningKey(privateJwk: JWK): Promise<SigningKey> {
  assertPrivateJwk(privateJwk);
  const alg = algorithmOf(privateJwk);
  const publicJwk = toPublicJwk(privateJwk);
  const thumbprint = await calculateJwkThumbprint(publicJwk, 'sha256');
  const kid = privateJwk.kid ?? thumbprint;
  publicJwk.kid = kid;
  const key = await importJWK({ ...privateJwk, alg }, alg, { extractable: false });
  if (!(key instanceof CryptoKey)) {
    throw clientError('INVALID_ARGUMENT', { detail: 'privateJwk is not an asymmetric key.' });
  }
  return { alg, kid, publicJwk, thumbprint, key };
}
