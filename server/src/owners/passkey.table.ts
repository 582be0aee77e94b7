import type { Insertable, Selectable } from 'kysely';

/** A registered WebAuthn credential. Public keys and credential ids are not personal data; the name is sealed. */
export interface PasskeyTable {
  id: string;
  owner_id: string;
  /** The credential id, base64url, as the authenticator reports it. */
  credential_id: string;
  /** COSE public key. */
  public_key: Uint8Array;
  /** The signature counter last seen (WebAuthn L3 §6.1.1). */
  counter: number;
  /** JSON array of transports, a hint for later ceremonies. */
  transports: string;
  device_type: string;
  backed_up: number;
  /** The owner's label for it, sealed with the owner's data key. */
  name_sealed: Uint8Array;
  created_at: number;
  last_used_at: number | null;
  /** Set when an assertion came with a counter that did not increase: a sign of a cloned authenticator. */
  counter_regressed_at: number | null;
}

export type PasskeyRow = Selectable<PasskeyTable>;
export type NewPasskeyRow = Insertable<PasskeyTable>;
