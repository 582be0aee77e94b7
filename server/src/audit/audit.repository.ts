import type { Executor } from '../db/database.ts';
import type { AccessLogRow, NewAccessLogRow } from './audit.table.ts';

export async function insertAccessLogEntry(db: Executor, row: NewAccessLogRow): Promise<void> {
  await db.insertInto('access_log').values(row).execute();
}

export async function setAuditHead(db: Executor, ownerId: string, seq: number, hash: string): Promise<void> {
  await db
    .updateTable('owners')
    .set({ audit_seq: seq, audit_hash: hash })
    .where('id', '=', ownerId)
    .execute();
}

/** Entries newest first, optionally for one vendor, paged by sequence number. */
export async function findAccessLogEntries(
  db: Executor,
  ownerId: string,
  options: { clientId?: string; beforeSeq?: number; limit: number },
): Promise<AccessLogRow[]> {
  let query = db.selectFrom('access_log').selectAll().where('owner_id', '=', ownerId);
  if (options.clientId) query = query.where('client_id', '=', options.clientId);
  if (options.beforeSeq) query = query.where('seq', '<', options.beforeSeq);
  return query.orderBy('seq', 'desc').limit(options.limit).execute();
}

/** A page of the whole chain in order, for verification. */
export async function findAccessLogChain(
  db: Executor,
  ownerId: string,
  afterSeq: number,
  limit: number,
): Promise<AccessLogRow[]> {
  return db
    .selectFrom('access_log')
    .selectAll()
    .where('owner_id', '=', ownerId)
    .where('seq', '>', afterSeq)
    .orderBy('seq', 'asc')
    .limit(limit)
    .execute();
}

/** Per grant: how many reads and the last one. */
export async function countReadsByGrant(
  db: Executor,
  ownerId: string,
): Promise<{ grant_id: string | null; reads: number | string; last_read_at: number | string | null }[]> {
  return db
    .selectFrom('access_log')
    .select((eb) => [
      'grant_id',
      eb.fn.countAll<number | string>().as('reads'),
      eb.fn.max('at').as('last_read_at'),
    ])
    .where('owner_id', '=', ownerId)
    .where('action', '=', 'data.read')
    .groupBy('grant_id')
    .execute();
}
