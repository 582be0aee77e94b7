import type { Executor } from '../db/database.ts';
import type { NewPasskeyRow, PasskeyRow } from './passkey.table.ts';

export async function insertPasskey(db: Executor, row: NewPasskeyRow): Promise<void> {
  await db.insertInto('passkeys').values(row).execute();
}

export async function findPasskeyByCredentialId(
  db: Executor,
  credentialId: string,
): Promise<PasskeyRow | undefined> {
  return db.selectFrom('passkeys').selectAll().where('credential_id', '=', credentialId).executeTakeFirst();
}

export async function findOwnerPasskey(
  db: Executor,
  ownerId: string,
  id: string,
): Promise<PasskeyRow | undefined> {
  return db
    .selectFrom('passkeys')
    .selectAll()
    .where('owner_id', '=', ownerId)
    .where('id', '=', id)
    .executeTakeFirst();
}

export async function listOwnerPasskeys(db: Executor, ownerId: string): Promise<PasskeyRow[]> {
  return db
    .selectFrom('passkeys')
    .selectAll()
    .where('owner_id', '=', ownerId)
    .orderBy('created_at')
    .orderBy('id')
    .execute();
}

export async function countOwnerPasskeys(db: Executor, ownerId: string): Promise<number> {
  const { count } = await db
    .selectFrom('passkeys')
    .select((eb) => eb.fn.countAll<number | string>().as('count'))
    .where('owner_id', '=', ownerId)
    .executeTakeFirstOrThrow();
  return Number(count);
}

export async function recordPasskeyUse(db: Executor, id: string, counter: number, at: number): Promise<void> {
  await db.updateTable('passkeys').set({ counter, last_used_at: at }).where('id', '=', id).execute();
}

export async function flagPasskeyCounterRegression(db: Executor, id: string, at: number): Promise<void> {
  await db.updateTable('passkeys').set({ counter_regressed_at: at }).where('id', '=', id).execute();
}

export async function renamePasskey(db: Executor, id: string, nameSealed: Uint8Array): Promise<void> {
  await db.updateTable('passkeys').set({ name_sealed: nameSealed }).where('id', '=', id).execute();
}

export async function deletePasskey(db: Executor, ownerId: string, id: string): Promise<number> {
  const result = await db
    .deleteFrom('passkeys')
    .where('owner_id', '=', ownerId)
    .where('id', '=', id)
    .executeTakeFirst();
  return Number(result.numDeletedRows);
}

export async function deleteOwnerPasskeys(db: Executor, ownerId: string): Promise<number> {
  const result = await db.deleteFrom('passkeys').where('owner_id', '=', ownerId).executeTakeFirst();
  return Number(result.numDeletedRows);
}
