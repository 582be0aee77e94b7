import type { Kysely, Transaction } from 'kysely';
import type { SigningKeyTable } from '../keys/signing-key.table.ts';
import type { OwnerTable } from '../owners/owner.table.ts';
import type { SessionTable } from '../owners/session.table.ts';
import type { ProfileFieldTable } from '../profile/profile.table.ts';
import type { ClientAssertionJtiTable, DpopProofJtiTable } from '../vendors/replay.table.ts';
import type { VendorTable } from '../vendors/vendor.table.ts';
import type { MetaTable } from './meta.table.ts';

/** Every table Kith stores, by name. */
export interface Database {
  kith_meta: MetaTable;
  owners: OwnerTable;
  sessions: SessionTable;
  profile_fields: ProfileFieldTable;
  signing_keys: SigningKeyTable;
  vendors: VendorTable;
  dpop_proof_jtis: DpopProofJtiTable;
  client_assertion_jtis: ClientAssertionJtiTable;
}

export type Db = Kysely<Database>;
export type Trx = Transaction<Database>;
/** Repositories take either: a plain handle or one inside a transaction. */
export type Executor = Db | Trx;
