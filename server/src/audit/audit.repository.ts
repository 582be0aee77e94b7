import type { Executor } from '../db/database.ts';
import type { AccessLogCheckpointRow, AccessLogRow, NewAccessLogRow } from './audit.table.ts';

// The access log has one writer, this file. Kysely for appends in any service's transaction; the
// raw text below only for the redeem, whose group commit runs prepared statements synchronously
// (SQLite) or one pipelined statement per group (PostgreSQL), where a query builder costs CPU per call.

export async function insertAccessLogEntry(db: Executor, row: NewAccessLogRow): Promise<void> {
  await db.insertInto('access_log').values(row).execute();
}

/** One entry, its values named as an `AccessLogRow`'s columns: the SQLite redeem prepares it once. */
export const INSERT_ACCESS_LOG_ENTRY_SQL =
  'INSERT INTO access_log (owner_id, seq, at, action, client_id, grant_id, detail, prev_hash, hash) ' +
  'VALUES (@owner_id, @seq, @at, @action, @client_id, @grant_id, @detail, @prev_hash, @hash)';

/**
 * A batched append for PostgreSQL: one entry per element of nine parallel
 * arrays bound from `$first` on, in the column order below. A statement
 * fragment, so a group commit writes its entries within its one statement.
 */
export function insertAccessLogEntriesSql(first: number): string {
  const $ = (i: number) => `$${first + i}`;
  return `INSERT INTO access_log (owner_id, seq, at, action, client_id, grant_id, detail, prev_hash, hash)
      SELECT * FROM unnest(${$(0)}::text[], ${$(1)}::integer[], ${$(2)}::bigint[], ${$(3)}::text[], ${$(4)}::text[], ${$(5)}::text[],
        ${$(6)}::text[], ${$(7)}::text[], ${$(8)}::text[])`;
}

/** Entries newest first, optionally for one vendor, paged by sequence number. */
export async function findAccessLogEntries(
  db: Executor,
  ownerId: string,
  options: { clientId?: string; beforeSeq?: number; limit: number; exceptActions?: readonly string[] },
): Promise<AccessLogRow[]> {
  let query = db.selectFrom('access_log').selectAll().where('owner_id', '=', ownerId);
  if (options.clientId) query = query.where('client_id', '=', options.clientId);
  if (options.exceptActions?.length) query = query.where('action', 'not in', options.exceptActions);
  if (options.beforeSeq) query = query.where('seq', '<', options.beforeSeq);
  return query.orderBy('seq', 'desc').limit(options.limit).execute();
}

/**
 * A page of the chain in order, for verification: entries after `afterSeq`
 * up to `throughSeq` (the head read before, so entries appended meanwhile
 * wait for the next check).
 */
export async function findAccessLogChain(
  db: Executor,
  ownerId: string,
  range: { afterSeq: number; throughSeq: number; limit: number },
): Promise<AccessLogRow[]> {
  return db
    .selectFrom('access_log')
    .selectAll()
    .where('owner_id', '=', ownerId)
    .where('seq', '>', range.afterSeq)
    .where('seq', '<=', range.throughSeq)
    .orderBy('seq', 'asc')
    .limit(range.limit)
    .execute();
}

/** One entry's hash, by its sequence number. */
export async function findAccessLogHash(
  db: Executor,
  ownerId: string,
  seq: number,
): Promise<string | undefined> {
  const row = await db
    .selectFrom('access_log')
    .select('hash')
    .where('owner_id', '=', ownerId)
    .where('seq', '=', seq)
    .executeTakeFirst();
  return row?.hash;
}

/** The head of the owner's chain, as the last append left it. */
export async function findAuditHead(
  db: Executor,
  ownerId: string,
): Promise<{ audit_seq: number; audit_hash: string } | undefined> {
  return db
    .selectFrom('owners')
    .select(['audit_seq', 'audit_hash'])
    .where('id', '=', ownerId)
    .executeTakeFirst();
}

export async function findAccessLogCheckpoint(
  db: Executor,
  ownerId: string,
): Promise<AccessLogCheckpointRow | undefined> {
  return db
    .selectFrom('access_log_checkpoints')
    .selectAll()
    .where('owner_id', '=', ownerId)
    .executeTakeFirst();
}

/**
 * Moves the checkpoint forward to an entry just verified. Never backwards
 * (two verifiers may race), and never over a finding that the chain is broken.
 */
export async function advanceAccessLogCheckpoint(
  db: Executor,
  row: { owner_id: string; seq: number; hash: string; verified_at: number },
): Promise<void> {
  await db
    .insertInto('access_log_checkpoints')
    .values({ ...row, broken_at: null, reason: null })
    .onConflict((oc) =>
      oc
        .column('owner_id')
        .doUpdateSet((eb) => ({
          seq: eb.ref('excluded.seq'),
          hash: eb.ref('excluded.hash'),
          verified_at: eb.ref('excluded.verified_at'),
        }))
        .where((eb) =>
          eb.and([
            eb('access_log_checkpoints.seq', '<', eb.ref('excluded.seq')),
            eb('access_log_checkpoints.broken_at', 'is', null),
          ]),
        ),
    )
    .execute();
}

/** Sets the checkpoint whatever it held: a full verification's outcome, or a break just found. */
export async function replaceAccessLogCheckpoint(db: Executor, row: AccessLogCheckpointRow): Promise<void> {
  const { owner_id: _owner, ...rest } = row;
  await db
    .insertInto('access_log_checkpoints')
    .values(row)
    .onConflict((oc) => oc.column('owner_id').doUpdateSet(rest))
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
