import type { Generated, Insertable, Selectable, Updateable } from 'kysely';

export interface OwnerTable {
  id: string;
  created_at: number;
  /** Blind index of the owner's name, so the CLI can find an owner by name without storing it. */
  name_index: string;
  name_sealed: Uint8Array;
  /** The owner's 256-bit data key, wrapped by the master key (an envelope of keys/envelope.ts). */
  data_key_wrapped: Uint8Array;
  /** Bumped once per profile change; the version vendors see. */
  profile_version: number;
  profile_updated_at: number | null;
  /** The random WebAuthn user handle; null until the first passkey ceremony. */
  webauthn_user_id: string | null;
  /** The head of the owner's access-log chain: last sequence number and hash. */
  audit_seq: Generated<number>;
  audit_hash: Generated<string>;
}

export type OwnerRow = Selectable<OwnerTable>;
export type NewOwnerRow = Insertable<OwnerTable>;
export type OwnerUpdate = Updateable<OwnerTable>;
