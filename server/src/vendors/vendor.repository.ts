import type { Executor } from '../db/database.ts';
import type { NewVendorRow, VendorRow } from './vendor.table.ts';

export async function findVendor(db: Executor, clientId: string): Promise<VendorRow | undefined> {
  return db.selectFrom('vendors').selectAll().where('client_id', '=', clientId).executeTakeFirst();
}

/** Stores a freshly fetched document; the webhook secret of a known vendor is kept. */
export async function upsertVendor(db: Executor, row: NewVendorRow): Promise<void> {
  await db
    .insertInto('vendors')
    .values(row)
    .onConflict((oc) =>
      oc
        .column('client_id')
        .doUpdateSet({ metadata: row.metadata, fetched_at: row.fetched_at, expires_at: row.expires_at }),
    )
    .execute();
}
