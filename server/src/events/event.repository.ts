import { sql } from 'kysely';
import type { Executor } from '../db/database.ts';
import type { NewDeliveryRow, NewEventRow } from './event.table.ts';

// Rows per INSERT at most: 512 deliveries bind 5,120 parameters (10 columns), far
// under SQLite's 32,766 and PostgreSQL's 65,535.
const MAX_ROWS_PER_INSERT = 512;

/**
 * Writes events and their deliveries, many rows per INSERT. Each chunk is a
 * power of two rows, so the prepared statements SQLite keeps per SQL text are
 * a dozen shapes, not one for every number of vendors a change reached.
 */
export async function insertEvents(
  db: Executor,
  rows: readonly { event: NewEventRow; delivery: NewDeliveryRow }[],
): Promise<void> {
  for (let start = 0; start < rows.length; ) {
    const size = Math.min(MAX_ROWS_PER_INSERT, 2 ** (31 - Math.clz32(rows.length - start)));
    const chunk = rows.slice(start, start + size);
    await db
      .insertInto('events')
      .values(chunk.map((r) => r.event))
      .execute();
    await db
      .insertInto('deliveries')
      .values(chunk.map((r) => r.delivery))
      .execute();
    start += size;
  }
}

/**
 * Takes the next `count` event numbers of each vendor, in the caller's transaction, and answers the last
 * number taken per vendor. The upsert locks each vendor's counter row until commit, so numbers follow
 * commit order; vendors are locked in sorted order, so two transactions cannot deadlock on them.
 */
export async function reserveEventSequences(
  db: Executor,
  counts: ReadonlyMap<string, number>,
): Promise<Map<string, number>> {
  const rows = [...counts]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([client_id, count]) => ({ client_id, last_sequence: count }));
  const last = new Map<string, number>();
  for (let start = 0; start < rows.length; start += MAX_ROWS_PER_INSERT) {
    const reserved = await db
      .insertInto('event_sequences')
      .values(rows.slice(start, start + MAX_ROWS_PER_INSERT))
      .onConflict((oc) =>
        oc.column('client_id').doUpdateSet({
          last_sequence: sql<number>`event_sequences.last_sequence + excluded.last_sequence`,
        }),
      )
      .returning(['client_id', 'last_sequence'])
      .execute();
    for (const row of reserved) last.set(row.client_id, Number(row.last_sequence));
  }
  return last;
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
