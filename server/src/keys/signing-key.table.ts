import type { Insertable, Selectable } from 'kysely';

/**
 * A key's life: `next` is published in the JWKS but signs nothing yet;
 * `current` signs; `retired` signs nothing and stays published while tokens it
 * signed may still be presented.
 */
export type SigningKeyStatus = 'next' | 'current' | 'retired';

/** The vault's own Ed25519 signing keys; the private half is sealed under the master key. */
export interface SigningKeyTable {
  /** The RFC 7638 thumbprint of the public key. */
  kid: string;
  status: SigningKeyStatus;
  created_at: number;
  activated_at: number | null;
  retired_at: number | null;
  /** The public JWK as JSON: `{ kty: 'OKP', crv: 'Ed25519', x }`. */
  public_jwk: string;
  /** The PKCS#8 private key, sealed with `keys.sealSecret` under `signing-key|<kid>`. */
  private_key_sealed: Uint8Array;
}

export type SigningKeyRow = Selectable<SigningKeyTable>;
export type NewSigningKeyRow = Insertable<SigningKeyTable>;
