import { createPublicKey, type KeyObject } from 'node:crypto';
import { VENDOR_KEY_SHAPES, type VendorSigningAlg, vendorKeyAlg } from '@kith/schemas';

// RFC 7517 §9.3, RFC 7518 §6: members that only a private or symmetric key has.
const PRIVATE_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k'];

/**
 * Imports a vendor's public signing key, or says why it cannot: only an
 * Ed25519 (OKP) or P-256 (EC) public key, matching `alg` when one is given,
 * with no private member, usable for signatures.
 *
 * @example
 * const result = importVendorJwk(header.jwk, 'ES256');
 * if ('problem' in result) refuse(result.problem);
 */
export function importVendorJwk(
  jwk: unknown,
  alg?: VendorSigningAlg,
): { key: KeyObject; alg: VendorSigningAlg } | { problem: string } {
  if (typeof jwk !== 'object' || jwk === null || Array.isArray(jwk))
    return { problem: 'the JWK is not an object' };
  const members = jwk as Record<string, unknown>;
  // A private key sent around is a leaked key; refuse rather than ignore the extra members.
  if (PRIVATE_MEMBERS.some((m) => m in members)) return { problem: 'the JWK has private key members' };
  const keyAlg = vendorKeyAlg(members);
  if (!keyAlg) return { problem: 'the JWK is not an Ed25519 or P-256 key' };
  if (alg !== undefined && alg !== keyAlg) return { problem: 'the JWK does not match alg' };
  if (members.alg !== undefined && members.alg !== keyAlg) return { problem: 'the JWK names another alg' };
  if (members.use !== undefined && members.use !== 'sig') return { problem: 'the JWK is not for signatures' };
  const shape = VENDOR_KEY_SHAPES[keyAlg];
  if (!shape.members.every((m) => typeof members[m] === 'string'))
    return { problem: 'the JWK lacks its coordinates' };
  try {
    const key = createPublicKey({
      key: Object.fromEntries(['kty', 'crv', ...shape.members].map((m) => [m, members[m]])),
      format: 'jwk',
    });
    return { key, alg: keyAlg };
  } catch {
    return { problem: 'the JWK is not a valid key' };
  }
}
