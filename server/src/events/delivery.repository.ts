import { sql } from 'kysely';
import { isPostgres } from '../db/column-types.ts';
import type { Db, Executor } from '../db/database.ts';
import type { DeliveryStatus, EventRow } from './event.table.ts';

/** A delivery a worker claimed: its event and the number of the attempt it may make. */
export interface ClaimedDelivery extends EventRow {
  attempt: number;
}

/**
 * Claims up to `limit` due deliveries for `worker` until `claimedUntil`,
 * starting their next attempt. Atomic on both dialects: PostgreSQL locks the
 * rows it picks and skips rows another process holds (`FOR UPDATE SKIP
 * LOCKED`); SQLite has one writer, so one `UPDATE … RETURNING` is enough.
 */
export async function claimDueDeliveries(
  db: Db,
  input: { worker: string; now: number; claimedUntil: number; limit: number },
): Promise<ClaimedDelivery[]> {
  const claim = { claimed_until: input.claimedUntil, claimed_by: input.worker, last_attempt_at: input.now };
  const ids = isPostgres(db)
    ? await db.transaction().execute(async (trx) => {
        const due = await dueDeliveries(trx, input).forUpdate().skipLocked().execute();
        const picked = due.map((d) => d.event_id);
        if (picked.length === 0) return [];
        await trx
          .updateTable('deliveries')
          .set({ ...claim, attempts: sql`attempts + 1` })
          .where('event_id', 'in', picked)
          .execute();
        return picked;
      })
    : (
        await db
          .updateTable('deliveries')
          .set({ ...claim, attempts: sql`attempts + 1` })
          .where('event_id', 'in', dueDeliveries(db, input))
          .returning('event_id')
          .execute()
      ).map((d) => d.event_id);
  if (ids.length === 0) return [];
  const rows = await db
    .selectFrom('deliveries')
    .innerJoin('events', 'events.id', 'deliveries.event_id')
    .selectAll('events')
    .select('deliveries.attempts as attempt')
    .where('deliveries.event_id', 'in', ids)
    .where('deliveries.claimed_by', '=', input.worker)
    .execute();
  return rows.map((r) => ({ ...r, attempt: Number(r.attempt) }));
}

function dueDeliveries(db: Executor, input: { now: number; limit: number }) {
  return db
    .selectFrom('deliveries')
    .select('event_id')
    .where('status', '=', 'pending')
    .where('next_attempt_at', '<=', input.now)
    .where((eb) => eb.or([eb('claimed_until', 'is', null), eb('claimed_until', '<', input.now)]))
    .orderBy('next_attempt_at')
    .limit(input.limit);
}

/**
 * Records how an attempt ended, only if the claim is still this worker's and
 * this attempt's: a worker whose claim lapsed cannot overwrite a later attempt.
 */
export async function recordAttempt(
  db: Executor,
  claim: { eventId: string; worker: string; attempt: number },
  result: {
    status: DeliveryStatus;
    nextAttemptAt?: number;
    statusCode: number | null;
    error: string | null;
    deliveredAt?: number;
  },
): Promise<void> {
  await db
    .updateTable('deliveries')
    .set({
      status: result.status,
      claimed_until: null,
      last_status_code: result.statusCode,
      last_error: result.error,
      ...(result.nextAttemptAt === undefined ? {} : { next_attempt_at: result.nextAttemptAt }),
      ...(result.deliveredAt === undefined ? {} : { delivered_at: result.deliveredAt }),
    })
    .where('event_id', '=', claim.eventId)
    .where('claimed_by', '=', claim.worker)
    .where('attempts', '=', claim.attempt)
    .execute();
}

/** Marks every waiting delivery to a vendor `disabled`; answers how many. */
export async function disableVendorDeliveries(
  db: Executor,
  clientId: string,
  error: string,
): Promise<number> {
  const result = await db
    .updateTable('deliveries')
    .set({ status: 'disabled', claimed_until: null, last_error: error })
    .where('status', '=', 'pending')
    .where('event_id', 'in', (eb) => eb.selectFrom('events').select('id').where('client_id', '=', clientId))
    .executeTakeFirst();
  return Number(result.numUpdatedRows);
}

export async function insertDisabledWebhook(
  db: Executor,
  row: { client_id: string; webhook_uri: string; disabled_at: number },
): Promise<void> {
  await db
    .insertInto('disabled_webhooks')
    .values(row)
    .onConflict((oc) =>
      oc.column('client_id').doUpdateSet({ webhook_uri: row.webhook_uri, disabled_at: row.disabled_at }),
    )
    .execute();
}

export async function findDisabledWebhook(
  db: Executor,
  clientId: string,
): Promise<{ webhook_uri: string; disabled_at: number } | undefined> {
  return db
    .selectFrom('disabled_webhooks')
    .select(['webhook_uri', 'disabled_at'])
    .where('client_id', '=', clientId)
    .executeTakeFirst();
}

/** Counts an owner's deliveries to one vendor by status. */
export async function countDeliveries(
  db: Executor,
  ownerId: string,
  clientId: string,
): Promise<{ status: DeliveryStatus; count: number; retrying: number; last_delivered_at: number | null }[]> {
  const rows = await db
    .selectFrom('deliveries')
    .innerJoin('events', 'events.id', 'deliveries.event_id')
    .select((eb) => [
      'deliveries.status',
      eb.fn.countAll().as('count'),
      eb.fn.sum(eb.case().when('deliveries.last_error', 'is not', null).then(1).else(0).end()).as('retrying'),
      eb.fn.max('deliveries.delivered_at').as('last_delivered_at'),
    ])
    .where('events.owner_id', '=', ownerId)
    .where('events.client_id', '=', clientId)
    .groupBy('deliveries.status')
    .execute();
  return rows.map((r) => ({
    status: r.status,
    count: Number(r.count),
    retrying: Number(r.retrying ?? 0),
    last_delivered_at: r.last_delivered_at === null ? null : Number(r.last_delivered_at),
  }));
}
