import type { Executor } from '../db/database.ts';
import { DEFAULT_TERMS_CLIENT, type OwnerTermsRow } from './terms.table.ts';

/** The owner's default agreement and every per-vendor one. */
export async function findOwnerTerms(db: Executor, ownerId: string): Promise<OwnerTermsRow[]> {
  return db
    .selectFrom('owner_terms')
    .selectAll()
    .where('owner_id', '=', ownerId)
    .orderBy('client_id')
    .execute();
}

/** The rows that decide what the owner proffers to one vendor: its own, and the default. */
export async function findTermsFor(
  db: Executor,
  ownerId: string,
  clientId: string,
): Promise<OwnerTermsRow[]> {
  return db
    .selectFrom('owner_terms')
    .selectAll()
    .where('owner_id', '=', ownerId)
    .where('client_id', 'in', [clientId, DEFAULT_TERMS_CLIENT])
    .execute();
}

/** Sets (or, with `agreement` null, removes) the owner's agreement for `clientId` ('*': the default). */
export async function putOwnerTerms(
  db: Executor,
  row: { owner_id: string; client_id: string; agreement: { id: string; version: number } | null; at: number },
): Promise<void> {
  await db
    .deleteFrom('owner_terms')
    .where('owner_id', '=', row.owner_id)
    .where('client_id', '=', row.client_id)
    .execute();
  if (row.agreement === null) return;
  await db
    .insertInto('owner_terms')
    .values({
      owner_id: row.owner_id,
      client_id: row.client_id,
      agreement_id: row.agreement.id,
      agreement_version: row.agreement.version,
      updated_at: row.at,
    })
    .execute();
}
