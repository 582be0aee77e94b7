import type { Insertable, Selectable } from 'kysely';

/**
 * One entry of an owner's access log: append-only, hash-chained per owner.
 * `detail` is JSON with field names and counts, never values.
 */
export interface AccessLogTable {
  owner_id: string;
  seq: number;
  at: number;
  action: string;
  client_id: string | null;
  grant_id: string | null;
  detail: string;
  prev_hash: string;
  hash: string;
}

export type AccessLogRow = Selectable<AccessLogTable>;
export type NewAccessLogRow = Insertable<AccessLogTable>;

/**
 * Per owner, how far the access-log chain has been verified: the last entry
 * whose hash was recomputed and found to chain (`seq`, `hash`), or where it
 * was found broken. Written by the verifier, never by an append, so the
 * redeem path is not slowed; verification goes on from here.
 */
export interface AccessLogCheckpointTable {
  owner_id: string;
  seq: number;
  hash: string;
  verified_at: number;
  /** The entry where the chain was found broken, or null while it verifies. */
  broken_at: number | null;
  reason: string | null;
}

export type AccessLogCheckpointRow = Selectable<AccessLogCheckpointTable>;
