/** The algorithms vendors may sign with: Ed25519 (RFC 8037) and P-256 (RFC 7518 §3.4). */
export const VENDOR_SIGNING_ALGS = ['EdDSA', 'ES256'] as const;

/** One of {@link VENDOR_SIGNING_ALGS}. */
export type VendorSigningAlg = (typeof VENDOR_SIGNING_ALGS)[number];

/** The shape of a vendor's public key for each algorithm: its `kty`, `crv` and coordinate members (RFC 7518 §6, RFC 8037 §2). */
export const VENDOR_KEY_SHAPES: Readonly<
  Record<VendorSigningAlg, { kty: string; crv: string; members: readonly string[] }>
> = {
  EdDSA: { kty: 'OKP', crv: 'Ed25519', members: ['x'] },
  ES256: { kty: 'EC', crv: 'P-256', members: ['x', 'y'] },
};

/**
 * Tells whether `alg` is one vendors may use.
 *
 * @example
 * isVendorSigningAlg('ES256') // true
 * isVendorSigningAlg('RS256') // false
 */
export function isVendorSigningAlg(alg: unknown): alg is VendorSigningAlg {
  return typeof alg === 'string' && (VENDOR_SIGNING_ALGS as readonly string[]).includes(alg);
}

/**
 * The algorithm a JWK's key type and curve are for, or undefined when vendors may not use such a key.
 *
 * @example
 * vendorKeyAlg({ kty: 'EC', crv: 'P-256', x: '…', y: '…' }) // 'ES256'
 */
export function vendorKeyAlg(jwk: { kty?: unknown; crv?: unknown }): VendorSigningAlg | undefined {
  return VENDOR_SIGNING_ALGS.find(
    (alg) => VENDOR_KEY_SHAPES[alg].kty === jwk.kty && VENDOR_KEY_SHAPES[alg].crv === jwk.crv,
  );
}
