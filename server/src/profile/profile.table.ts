import type { Insertable, Selectable } from 'kysely';

/** One row per owner and field path; the value is sealed with the owner's data key. */
export interface ProfileFieldTable {
  owner_id: string;
  path: string;
  /** Null once the owner cleared the field; the row stays so its version keeps counting. */
  value_sealed: Uint8Array | null;
  /** The owner's profile version at which this field last changed. */
  version: number;
  updated_at: number;
}

export type ProfileFieldRow = Selectable<ProfileFieldTable>;
export type NewProfileFieldRow = Insertable<ProfileFieldTable>;
