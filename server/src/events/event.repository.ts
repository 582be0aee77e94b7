import type { Executor } from '../db/database.ts';
import type { NewDeliveryRow, NewEventRow } from './event.table.ts';

export async function insertEvent(db: Executor, event: NewEventRow, delivery: NewDeliveryRow): Promise<void> {
  await db.insertInto('events').values(event).execute();
  await db.insertInto('deliveries').values(delivery).execute();
}

/** The owner's grants a vendor may still use: collected, not revoked, not expired. */
export async function findLiveGrants(
  db: Executor,
  ownerId: string,
  now: number,
): Promise<{ id: string; client_id: string; subject: string; fields: string }[]> {
  return db
    .selectFrom('grants')
    .select(['id', 'client_id', 'subject', 'fields'])
    .where('owner_id', '=', ownerId)
    .where('revoked_at', 'is', null)
    .where('expires_at', '>', now)
    .where('collected_at', 'is not', null)
    .orderBy('created_at')
    .execute();
}

/** Sets a vendor's sealed webhook secret unless it has one; answers the one it has after. */
export async function setWebhookSecretIfUnset(
  db: Executor,
  clientId: string,
  sealed: Uint8Array,
): Promise<Uint8Array | null | undefined> {
  await db
    .updateTable('vendors')
    .set({ webhook_secret_sealed: sealed })
    .where('client_id', '=', clientId)
    .where('webhook_secret_sealed', 'is', null)
    .execute();
  const row = await db
    .selectFrom('vendors')
    .select('webhook_secret_sealed')
    .where('client_id', '=', clientId)
    .executeTakeFirst();
  return row?.webhook_secret_sealed;
}
