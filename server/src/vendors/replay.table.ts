/**
 * Single-use identifiers seen recently. The primary key is a hash of the
 * presenter and its `jti`, so a second insert of the same pair fails
 * atomically; a row is kept only while the token could still be accepted.
 */
interface JtiTable {
  jti_hash: string;
  expires_at: number;
}

/** DPoP proof `jti`s, per proof key (RFC 9449 §11.1). */
export type DpopProofJtiTable = JtiTable;

/** Client assertion `jti`s, per vendor (RFC 7523 §3, item 7). */
export type ClientAssertionJtiTable = JtiTable;
