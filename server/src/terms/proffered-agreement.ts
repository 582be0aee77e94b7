import { type Agreement, findAgreement } from '@kith/schemas';
import type { Executor } from '../db/database.ts';
import { findTermsFor } from './terms.repository.ts';
import { DEFAULT_TERMS_CLIENT, type OwnerTermsRow } from './terms.table.ts';

/** The agreement the owner proffers to one vendor: its own override, else the default, else none. */
export async function profferedAgreement(
  db: Executor,
  ownerId: string,
  clientId: string,
): Promise<Agreement | undefined> {
  const rows = await findTermsFor(db, ownerId, clientId);
  const row =
    rows.find((r) => r.client_id === clientId) ?? rows.find((r) => r.client_id === DEFAULT_TERMS_CLIENT);
  return row ? agreementOf(row) : undefined;
}

/** The agreement a stored row names. */
export function agreementOf(row: OwnerTermsRow): Agreement | undefined {
  return findAgreement({ id: row.agreement_id, version: row.agreement_version });
}
