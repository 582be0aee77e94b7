import type { Executor } from '../db/database.ts';
import type { NewSessionRow, SessionRow } from './session.table.ts';

export async function insertSession(db: Executor, row: NewSessionRow): Promise<void> {
  await db.insertInto('sessions').values(row).execute();
}

export async function findSessionByIdHash(db: Executor, idHash: string): Promise<SessionRow | undefined> {
  return db.selectFrom('sessions').selectAll().where('id_hash', '=', idHash).executeTakeFirst();
}

export async function touchSession(db: Executor, idHash: string, at: number): Promise<void> {
  await db.updateTable('sessions').set({ last_seen_at: at }).where('id_hash', '=', idHash).execute();
}

export async function deleteSession(db: Executor, idHash: string): Promise<void> {
  await db.deleteFrom('sessions').where('id_hash', '=', idHash).execute();
}

export async function deleteOwnerSessions(db: Executor, ownerId: string, except?: string): Promise<number> {
  let query = db.deleteFrom('sessions').where('owner_id', '=', ownerId);
  if (except) query = query.where('id_hash', '!=', except);
  const result = await query.executeTakeFirst();
  return Number(result.numDeletedRows);
}

export async function listOwnerSessions(db: Executor, ownerId: string): Promise<SessionRow[]> {
  return db
    .selectFrom('sessions')
    .selectAll()
    .where('owner_id', '=', ownerId)
    .orderBy('last_seen_at', 'desc')
    .execute();
}

export async function markSessionReauthenticated(db: Executor, idHash: string, at: number): Promise<void> {
  await db.updateTable('sessions').set({ reauthenticated_at: at }).where('id_hash', '=', idHash).execute();
}
