import type { Selectable } from 'kysely';

/** The client id under which an owner's default agreement is stored. */
export const DEFAULT_TERMS_CLIENT = '*';

/** The agreement an owner proffers, by default (`client_id` '*') or to one vendor. */
export interface OwnerTermsTable {
  owner_id: string;
  client_id: string;
  agreement_id: string;
  agreement_version: number;
  updated_at: number;
}

export type OwnerTermsRow = Selectable<OwnerTermsTable>;
