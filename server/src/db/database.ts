import type { Kysely, Transaction } from 'kysely';
import type { OwnerTable } from '../owners/owner.table.ts';
import type { SessionTable } from '../owners/session.table.ts';
import type { ProfileFieldTable } from '../profile/profile.table.ts';
import type { MetaTable } from './meta.table.ts';

/** Every table Kith stores, by name. */
export interface Database {
  kith_meta: MetaTable;
  owners: OwnerTable;
  sessions: SessionTable;
  profile_fields: ProfileFieldTable;
}

export type Db = Kysely<Database>;
export type Trx = Transaction<Database>;
/** Repositories take either: a plain handle or one inside a transaction. */
export type Executor = Db | Trx;
