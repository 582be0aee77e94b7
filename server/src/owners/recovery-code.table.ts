import type { Insertable, Selectable } from 'kysely';

/** A one-time recovery code, stored as a keyed hash (a database leak alone does not let one be guessed offline). */
export interface RecoveryCodeTable {
  code_hash: string;
  owner_id: string;
  created_at: number;
  used_at: number | null;
}

export type RecoveryCodeRow = Selectable<RecoveryCodeTable>;
export type NewRecoveryCodeRow = Insertable<RecoveryCodeTable>;
