import type { Insertable, Selectable } from 'kysely';

/** Why an enrollment link was issued: a new owner, the server's first owner, or an operator reset. */
export type EnrollmentReason = 'create' | 'first-owner' | 'reset';

/** A one-time enrollment link. Only the token's hash is stored. */
export interface EnrollmentTable {
  token_hash: string;
  /** Null for the first owner of a new server, who names themselves while enrolling. */
  owner_id: string | null;
  reason: EnrollmentReason;
  created_at: number;
  expires_at: number;
  used_at: number | null;
}

export type EnrollmentRow = Selectable<EnrollmentTable>;
export type NewEnrollmentRow = Insertable<EnrollmentTable>;
