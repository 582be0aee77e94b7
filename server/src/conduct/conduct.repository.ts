import { sql } from 'kysely';
import type { ContactEventKind, ContactOutcome } from '../contact-rules/contact.table.ts';
import type { Executor } from '../db/database.ts';
import type { GrantRequestStatus } from '../grants/grant.table.ts';

const WEEK_MS = 7 * 24 * 3_600_000;

/** The owner's answered requests from one vendor, counted by status. */
export async function countGrantRequestsByStatus(
  db: Executor,
  ownerId: string,
  clientId: string,
): Promise<{ status: GrantRequestStatus; count: number }[]> {
  const rows = await db
    .selectFrom('grant_requests')
    .select((eb) => ['status', eb.fn.countAll<number | string>().as('count')])
    .where('owner_id', '=', ownerId)
    .where('client_id', '=', clientId)
    .groupBy('status')
    .execute();
  return rows.map((r) => ({ status: r.status, count: Number(r.count) }));
}

/**
 * A vendor's reads from `from` to `to`, counted by what each read gave (the
 * access log's `detail`, which names the fields) and by week counted back
 * from `to` (0: the last 7 days): a few rows however many reads there were.
 */
export async function countReadsByDetailAndWeek(
  db: Executor,
  ownerId: string,
  clientId: string,
  window: { from: number; to: number },
): Promise<{ detail: string; week: number; count: number }[]> {
  // Integer division on both databases: `at` and `to` are whole milliseconds. Literals, not
  // parameters: PostgreSQL matches a GROUP BY expression to the select's only if they are identical.
  const week = sql<
    number | string
  >`(${sql.lit(Math.trunc(window.to))} - ${sql.ref('at')}) / ${sql.lit(WEEK_MS)}`;
  const rows = await db
    .selectFrom('access_log')
    .select((eb) => ['detail', week.as('week'), eb.fn.countAll<number | string>().as('count')])
    .where('owner_id', '=', ownerId)
    .where('client_id', '=', clientId)
    .where('action', 'in', ['data.read', 'data.read_unchanged'])
    .where('at', '>=', window.from)
    .where('at', '<=', window.to)
    .groupBy(['detail', week])
    .execute();
  return rows.map((r) => ({ detail: r.detail, week: Number(r.week), count: Number(r.count) }));
}

/** A vendor's contact checks and contacts, counted by kind, outcome and reason. */
export async function countContactEvents(
  db: Executor,
  ownerId: string,
  clientId: string,
): Promise<{ kind: ContactEventKind; outcome: ContactOutcome; reason: string; count: number }[]> {
  const rows = await db
    .selectFrom('contact_events')
    .select((eb) => ['kind', 'outcome', 'reason', eb.fn.countAll<number | string>().as('count')])
    .where('owner_id', '=', ownerId)
    .where('client_id', '=', clientId)
    .groupBy(['kind', 'outcome', 'reason'])
    .execute();
  return rows.map((r) => ({ kind: r.kind, outcome: r.outcome, reason: r.reason, count: Number(r.count) }));
}

/** Every vendor the owner ever granted, or was asked by and answered. */
export async function findOwnerVendors(db: Executor, ownerId: string): Promise<string[]> {
  const rows = await db
    .selectFrom('grants')
    .select('client_id')
    .where('owner_id', '=', ownerId)
    .union(db.selectFrom('grant_requests').select('client_id').where('owner_id', '=', ownerId))
    .execute();
  return rows.map((r) => r.client_id).sort();
}
