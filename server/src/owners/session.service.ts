import { createHash } from 'node:crypto';
import type { Clock } from '../clock.ts';
import type { Config } from '../config.ts';
import type { Db } from '../db/database.ts';
import { newToken } from '../ids.ts';
import { deleteSession, findSessionByIdHash, insertSession, touchSession } from './session.repository.ts';

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
}

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
  input: { ownerId: string; userAgent?: string | null },
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
  });
  return { token, session: { ownerId: input.ownerId, idHash, expiresAt } };
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
  return { ownerId: row.owner_id, idHash, expiresAt: row.expires_at };
}

/** Ends one session. */
export async function endSession(deps: Pick<SessionDeps, 'db'>, idHash: string): Promise<void> {
  await deleteSession(deps.db, idHash);
}

export function hashSessionToken(token: string): string {
  return createHash('sha256').update(token).digest('base64url');
}
