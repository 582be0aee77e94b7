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
