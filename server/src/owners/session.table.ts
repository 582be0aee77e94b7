import type { Insertable, Selectable } from 'kysely';

export interface SessionTable {
  /** SHA-256 of the cookie token: a database leak does not hand out live sessions. */
  id_hash: string;
  owner_id: string;
  created_at: number;
  last_seen_at: number;
  /** Absolute end, fixed at sign-in. */
  expires_at: number;
  user_agent: string | null;
  /** When the owner last proved presence with a passkey (or a recovery code) in this session. */
  reauthenticated_at: number | null;
}

export type SessionRow = Selectable<SessionTable>;
export type NewSessionRow = Insertable<SessionTable>;
