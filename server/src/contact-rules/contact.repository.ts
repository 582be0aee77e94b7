import type { Executor } from '../db/database.ts';
import type { ProfileFieldRow } from '../profile/profile.table.ts';
import type {
  ContactEventRow,
  ContactTermsRow,
  NewContactEventRow,
  NewContactTermsRow,
} from './contact.table.ts';

/**
 * The owner's sealed profile values at these paths: contact reads the owner's
 * own defaults (`contact.*`) from the profile, which profile.service.ts writes.
 */
export async function findSealedProfileValues(
  db: Executor,
  ownerId: string,
  paths: readonly string[],
): Promise<Pick<ProfileFieldRow, 'path' | 'value_sealed'>[]> {
  if (paths.length === 0) return [];
  return db
    .selectFrom('profile_fields')
    .select(['path', 'value_sealed'])
    .where('owner_id', '=', ownerId)
    .where('path', 'in', [...paths])
    .execute();
}

export async function findContactTerms(
  db: Executor,
  ownerId: string,
  clientId: string,
): Promise<ContactTermsRow | undefined> {
  return db
    .selectFrom('contact_terms')
    .selectAll()
    .where('owner_id', '=', ownerId)
    .where('client_id', '=', clientId)
    .executeTakeFirst();
}

/** Replaces the owner's terms for one vendor. */
export async function upsertContactTerms(db: Executor, row: NewContactTermsRow): Promise<void> {
  const { owner_id: _owner, client_id: _client, ...set } = row;
  await db
    .insertInto('contact_terms')
    .values(row)
    .onConflict((oc) => oc.columns(['owner_id', 'client_id']).doUpdateSet(set))
    .execute();
}

export async function insertContactEvent(db: Executor, row: NewContactEventRow): Promise<void> {
  await db.insertInto('contact_events').values(row).execute();
}

/** When each contact made to the owner by this vendor since `since` was recorded, oldest first. */
export async function findContactsSince(
  db: Executor,
  ownerId: string,
  clientId: string,
  since: number,
): Promise<number[]> {
  const rows = await db
    .selectFrom('contact_events')
    .select('at')
    .where('owner_id', '=', ownerId)
    .where('client_id', '=', clientId)
    .where('kind', '=', 'contact')
    .where('outcome', '=', 'allowed')
    .where('at', '>', since)
    .orderBy('at')
    .execute();
  return rows.map((r) => Number(r.at));
}

/** Checks and contacts, newest first. */
export async function findContactEvents(
  db: Executor,
  ownerId: string,
  clientId: string,
  limit: number,
): Promise<ContactEventRow[]> {
  return db
    .selectFrom('contact_events')
    .selectAll()
    .where('owner_id', '=', ownerId)
    .where('client_id', '=', clientId)
    .orderBy('at', 'desc')
    .orderBy('id')
    .limit(limit)
    .execute();
}

/** Tells whether the owner ever granted anything to this vendor. */
export async function hasAnyGrant(db: Executor, ownerId: string, clientId: string): Promise<boolean> {
  const row = await db
    .selectFrom('grants')
    .select('id')
    .where('owner_id', '=', ownerId)
    .where('client_id', '=', clientId)
    .limit(1)
    .executeTakeFirst();
  return row !== undefined;
}
