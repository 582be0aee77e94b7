import type { ContactTerms } from '@kith/schemas';
import type { Executor } from '../db/database.ts';
import {
  type GrantRequestRow,
  type GrantRequestUpdate,
  type NewGrantRequestRow,
  requestedContactOf,
} from './grant.table.ts';

export async function insertGrantRequest(db: Executor, row: NewGrantRequestRow): Promise<void> {
  await db.insertInto('grant_requests').values(row).execute();
}

export async function findGrantRequestById(db: Executor, id: string): Promise<GrantRequestRow | undefined> {
  return db.selectFrom('grant_requests').selectAll().where('id', '=', id).executeTakeFirst();
}

export async function findGrantRequestByUserCode(
  db: Executor,
  userCode: string,
): Promise<GrantRequestRow | undefined> {
  return db.selectFrom('grant_requests').selectAll().where('user_code', '=', userCode).executeTakeFirst();
}

export async function findGrantRequestByCodeHash(
  db: Executor,
  codeHash: string,
): Promise<GrantRequestRow | undefined> {
  return db.selectFrom('grant_requests').selectAll().where('code_hash', '=', codeHash).executeTakeFirst();
}

/**
 * Moves a request from one status to another only if it is still in the
 * first: the update is the check, so two racing answers cannot both win.
 */
export async function transitionGrantRequest(
  db: Executor,
  id: string,
  from: GrantRequestRow['status'],
  set: GrantRequestUpdate,
): Promise<boolean> {
  const result = await db
    .updateTable('grant_requests')
    .set(set)
    .where('id', '=', id)
    .where('status', '=', from)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

export async function recordPoll(db: Executor, id: string, at: number, interval: number): Promise<void> {
  await db
    .updateTable('grant_requests')
    .set({ last_polled_at: at, poll_interval: interval })
    .where('id', '=', id)
    .execute();
}

/** The contact each of one vendor's approved requests asked for (null: none), by the grant it became. */
export async function findRequestedContacts(
  db: Executor,
  ownerId: string,
  clientId: string,
): Promise<{ grantId: string; contact: ContactTerms | null }[]> {
  const rows = await db
    .selectFrom('grant_requests')
    .select(['grant_id', 'contact'])
    .where('owner_id', '=', ownerId)
    .where('client_id', '=', clientId)
    .where('grant_id', 'is not', null)
    .execute();
  return rows.flatMap((row) =>
    row.grant_id === null ? [] : [{ grantId: row.grant_id, contact: requestedContactOf(row) }],
  );
}
