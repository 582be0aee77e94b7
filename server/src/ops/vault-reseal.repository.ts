import type { Executor } from '../db/database.ts';

// Each update names the bytes it replaces: a value another writer changed in
// the meantime (sealed anew already) is left alone rather than overwritten.

export async function findOwnerIdsAfter(db: Executor, after: string, limit: number): Promise<string[]> {
  const rows = await db
    .selectFrom('owners')
    .select('id')
    .where('id', '>', after)
    .orderBy('id')
    .limit(limit)
    .execute();
  return rows.map((r) => r.id);
}

export async function findOwnerSealed(db: Executor, ownerId: string) {
  return db
    .selectFrom('owners')
    .select(['id', 'data_key_wrapped', 'name_sealed'])
    .where('id', '=', ownerId)
    .executeTakeFirst();
}

export async function replaceOwnerSealed(
  db: Executor,
  ownerId: string,
  column: 'data_key_wrapped' | 'name_sealed',
  old: Uint8Array,
  sealed: Uint8Array,
): Promise<void> {
  await db
    .updateTable('owners')
    .set({ [column]: sealed })
    .where('id', '=', ownerId)
    .where(column, '=', old)
    .execute();
}

export async function findProfileSealed(db: Executor, ownerId: string) {
  return db
    .selectFrom('profile_fields')
    .select(['path', 'value_sealed'])
    .where('owner_id', '=', ownerId)
    .where('value_sealed', 'is not', null)
    .execute();
}

export async function replaceProfileSealed(
  db: Executor,
  ownerId: string,
  path: string,
  old: Uint8Array,
  sealed: Uint8Array,
): Promise<void> {
  await db
    .updateTable('profile_fields')
    .set({ value_sealed: sealed })
    .where('owner_id', '=', ownerId)
    .where('path', '=', path)
    .where('value_sealed', '=', old)
    .execute();
}

export async function findPasskeysSealed(db: Executor, ownerId: string) {
  return db.selectFrom('passkeys').select(['id', 'name_sealed']).where('owner_id', '=', ownerId).execute();
}

export async function replacePasskeySealed(
  db: Executor,
  id: string,
  old: Uint8Array,
  sealed: Uint8Array,
): Promise<void> {
  await db
    .updateTable('passkeys')
    .set({ name_sealed: sealed })
    .where('id', '=', id)
    .where('name_sealed', '=', old)
    .execute();
}

export async function findSigningKeysSealed(db: Executor) {
  return db.selectFrom('signing_keys').select(['kid', 'private_key_sealed']).execute();
}

export async function replaceSigningKeySealed(
  db: Executor,
  kid: string,
  old: Uint8Array,
  sealed: Uint8Array,
): Promise<void> {
  await db
    .updateTable('signing_keys')
    .set({ private_key_sealed: sealed })
    .where('kid', '=', kid)
    .where('private_key_sealed', '=', old)
    .execute();
}

export async function findWebhookSecretsSealed(db: Executor) {
  return db
    .selectFrom('vendors')
    .select(['client_id', 'webhook_secret_sealed'])
    .where('webhook_secret_sealed', 'is not', null)
    .execute();
}

export async function replaceWebhookSecretSealed(
  db: Executor,
  clientId: string,
  old: Uint8Array,
  sealed: Uint8Array,
): Promise<void> {
  await db
    .updateTable('vendors')
    .set({ webhook_secret_sealed: sealed })
    .where('client_id', '=', clientId)
    .where('webhook_secret_sealed', '=', old)
    .execute();
}
