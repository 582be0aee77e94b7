import type { Clock } from '../clock.ts';
import type { Config } from '../config.ts';
import type { Db } from '../db/database.ts';
import { newToken } from '../ids.ts';
import { sha256 } from '../sha256.ts';
import {
  deleteOwnerSessions,
  deleteSession,
  findSessionByIdHash,
  insertSession,
  listOwnerSessions,
  markSessionReauthenticated,
  touchSession,
} from './session.repository.ts';

export interface SessionDeps {
  db: Db;
  clock: Clock;
  config: Pick<Config, 'session'>;
}

/** A live session: who it is for and the hash that names it in the database. */
export interface Session {
  ownerId: string;
  idHash: string;
  expiresAt: number;
  /** When the owner last proved presence in this session; null if never. */
  reauthenticatedAt: number | null;
}

/** A session as the owner's sessions list shows it. */
export interface SessionSummary {
  idHash: string;
  userAgent: string | null;
  createdAt: number;
  lastSeenAt: number;
  current: boolean;
}

/** How long a passkey (or recovery code) proof counts as fresh for sensitive changes. */
export const REAUTHENTICATION_WINDOW_MS = 5 * 60_000;

// Writing last_seen_at on every request would turn every read into a write;
// once a minute is precise enough for idle timeouts and the sessions list.
const TOUCH_EVERY_MS = 60_000;

/**
 * Starts a session for an owner and returns the cookie token. Only the
 * token's hash is stored.
 *
 * @example
 * const { token } = await startSession(deps, { ownerId: owner.id, userAgent: 'Firefox' });
 */
export async function startSession(
  deps: SessionDeps,
  input: { ownerId: string; userAgent?: string | null; authenticated?: boolean },
): Promise<{ token: string; session: Session }> {
  const token = newToken();
  const now = deps.clock.now();
  const idHash = hashSessionToken(token);
  const expiresAt = now + deps.config.session.absoluteMs;
  await insertSession(deps.db, {
    id_hash: idHash,
    owner_id: input.ownerId,
    created_at: now,
    last_seen_at: now,
    expires_at: expiresAt,
    user_agent: input.userAgent?.slice(0, 200) ?? null,
    // Signing in is itself a fresh proof of presence.
    reauthenticated_at: input.authenticated ? now : null,
  });
  return {
    token,
    session: {
      ownerId: input.ownerId,
      idHash,
      expiresAt,
      reauthenticatedAt: input.authenticated ? now : null,
    },
  };
}

/**
 * The session a cookie token names, if it is still alive; an idle or expired
 * session is deleted on sight.
 */
export async function resumeSession(deps: SessionDeps, token: string): Promise<Session | undefined> {
  const idHash = hashSessionToken(token);
  const row = await findSessionByIdHash(deps.db, idHash);
  if (!row) return undefined;
  const now = deps.clock.now();
  // A session ends at its absolute expiry or after the idle timeout, whichever is first.
  if (now >= row.expires_at || now - row.last_seen_at >= deps.config.session.idleMs) {
    await deleteSession(deps.db, idHash);
    return undefined;
  }
  if (now - row.last_seen_at >= TOUCH_EVERY_MS) await touchSession(deps.db, idHash, now);
  return {
    ownerId: row.owner_id,
    idHash,
    expiresAt: row.expires_at,
    reauthenticatedAt: row.reauthenticated_at,
  };
}

/** Tells whether the session proved presence recently enough for a sensitive change. */
export function isFreshlyAuthenticated(
  deps: Pick<SessionDeps, 'clock'>,
  session: Pick<Session, 'reauthenticatedAt'>,
): boolean {
  return (
    session.reauthenticatedAt !== null &&
    deps.clock.now() - session.reauthenticatedAt < REAUTHENTICATION_WINDOW_MS
  );
}

/** Records a fresh proof of presence in a session. */
export async function markReauthenticated(
  deps: Pick<SessionDeps, 'db' | 'clock'>,
  idHash: string,
): Promise<void> {
  await markSessionReauthenticated(deps.db, idHash, deps.clock.now());
}

/** The owner's live sessions, most recently used first. */
export async function listSessions(
  deps: SessionDeps,
  ownerId: string,
  currentIdHash: string,
): Promise<SessionSummary[]> {
  const now = deps.clock.now();
  const rows = await listOwnerSessions(deps.db, ownerId);
  return rows
    .filter((row) => now < row.expires_at && now - row.last_seen_at < deps.config.session.idleMs)
    .map((row) => ({
      idHash: row.id_hash,
      userAgent: row.user_agent,
      createdAt: row.created_at,
      lastSeenAt: row.last_seen_at,
      current: row.id_hash === currentIdHash,
    }));
}

/** Ends every session of the owner except `keepIdHash` (or all, without it); returns how many ended. */
export async function endOtherSessions(
  deps: Pick<SessionDeps, 'db'>,
  ownerId: string,
  keepIdHash?: string,
): Promise<number> {
  return deleteOwnerSessions(deps.db, ownerId, keepIdHash);
}

/** Ends one session. */
export async function endSession(deps: Pick<SessionDeps, 'db'>, idHash: string): Promise<void> {
  await deleteSession(deps.db, idHash);
}

export function hashSessionToken(token: string): string {
  return sha256(token);
}
