import type { Executor } from '../db/database.ts';
import type { NewOwnerRow, OwnerRow } from './owner.table.ts';

// The owner row's access-log chain head has one writer, this file. Kysely for a service's append;
// the raw text only for the redeem's group commit (see audit.repository.ts).

/** Moves the owner's access-log chain head to the entry just appended, in the same transaction. */
export async function setAuditHead(db: Executor, ownerId: string, seq: number, hash: string): Promise<void> {
  await db
    .updateTable('owners')
    .set({ audit_seq: seq, audit_hash: hash })
    .where('id', '=', ownerId)
    .execute();
}

/** The chain-head move, positional (seq, hash, owner id): the SQLite redeem prepares it once. */
export const SET_AUDIT_HEAD_SQL = 'UPDATE owners SET audit_seq = ?, audit_hash = ? WHERE id = ?';

/**
 * A batched chain-head move for PostgreSQL: one owner per element of three
 * parallel arrays (id, seq, hash) bound from `$first` on; a statement's tail,
 * so a group commit moves every head in the statement that appends the entries.
 */
export function setAuditHeadsSql(first: number): string {
  return `UPDATE owners AS o SET audit_seq = h.seq, audit_hash = h.hash
    FROM unnest($${first}::text[], $${first + 1}::integer[], $${first + 2}::text[]) AS h(id, seq, hash)
    WHERE o.id = h.id`;
}

export async function insertOwner(db: Executor, row: NewOwnerRow): Promise<void> {
  await db.insertInto('owners').values(row).execute();
}

export async function findOwnerById(db: Executor, id: string): Promise<OwnerRow | undefined> {
  return db.selectFrom('owners').selectAll().where('id', '=', id).executeTakeFirst();
}

export async function findOwnerByNameIndex(db: Executor, nameIndex: string): Promise<OwnerRow | undefined> {
  return db.selectFrom('owners').selectAll().where('name_index', '=', nameIndex).executeTakeFirst();
}

export async function countOwners(db: Executor): Promise<number> {
  const { count } = await db
    .selectFrom('owners')
    .select((eb) => eb.fn.countAll<number | string>().as('count'))
    .executeTakeFirstOrThrow();
  return Number(count);
}

/** Whether any owner exists other than `ownerId` (any owner at all when it is null). */
export async function anyOwnerBesides(db: Executor, ownerId: string | null): Promise<boolean> {
  let query = db.selectFrom('owners').select('id');
  if (ownerId !== null) query = query.where('id', '!=', ownerId);
  return (await query.limit(1).executeTakeFirst()) !== undefined;
}

/** Bumps the profile version atomically and returns the new one. */
export async function bumpProfileVersion(db: Executor, id: string, at: number): Promise<number> {
  const { profile_version } = await db
    .updateTable('owners')
    .set((eb) => ({ profile_version: eb('profile_version', '+', 1), profile_updated_at: at }))
    .where('id', '=', id)
    .returning('profile_version')
    .executeTakeFirstOrThrow();
  return profile_version;
}

/** Sets the owner's WebAuthn user handle unless one is already set; returns the one in force. */
export async function ensureWebauthnUserId(db: Executor, id: string, candidate: string): Promise<string> {
  await db
    .updateTable('owners')
    .set({ webauthn_user_id: candidate })
    .where('id', '=', id)
    .where('webauthn_user_id', 'is', null)
    .execute();
  const row = await db
    .selectFrom('owners')
    .select('webauthn_user_id')
    .where('id', '=', id)
    .executeTakeFirstOrThrow();
  return row.webauthn_user_id ?? candidate;
}
