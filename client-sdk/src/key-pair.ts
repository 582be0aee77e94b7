import { calculateJwkThumbprint, exportJWK, type JWK, generateKeyPair as joseGenerateKeyPair } from 'jose';
import type { SigningAlgorithm } from './signing-key.ts';
import { toPublicJwk } from './signing-key.ts';

/** Options of {@link generateKeyPair}. */
export interface GenerateKeyPairOptions {
  /** `EdDSA` (Ed25519, the default) or `ES256` (P-256). */
  alg?: SigningAlgorithm;
}

/** A vendor key pair as JWKs; both carry the same `kid`. */
export interface KeyPair {
  /** Keep secret: store it in your secret manager and pass it to `createKithClient`. */
  privateJwk: JWK;
  /** Publish it: `metadataDocument()` puts it in your metadata's `jwks`. */
  publicJwk: JWK;
}

/**
 * Generates a vendor signing key pair as extractable JWKs, with `kid` = the
 * RFC 7638 thumbprint of the public key, `alg`, and `use: 'sig'`.
 *
 * @example
 * const { privateJwk, publicJwk } = await generateKeyPair();
 * // store JSON.stringify(privateJwk) as a secret, e.g. KITH_PRIVATE_JWK
 */
export async function generateKeyPair({ alg = 'EdDSA' }: GenerateKeyPairOptions = {}): Promise<KeyPair> {
  const { privateKey } = await joseGenerateKeyPair(alg, { extractable: true });
  const exported = await exportJWK(privateKey);
  const publicJwk = toPublicJwk({ ...exported, alg });
  const kid = await calculateJwkThumbprint(publicJwk, 'sha256');
  publicJwk.kid = kid;
  return { privateJwk: { ...exported, kid, alg, use: 'sig' }, publicJwk };
}
