import { type Kysely, sql } from 'kysely';

// biome-ignore lint/suspicious/noExplicitAny: migrations run against whatever schema the database has.
export async function up(db: Kysely<any>): Promise<void> {
  // Each vendor's events are numbered 1, 2, 3… in commit order: deliveries run in parallel and retry,
  // so a vendor sorts by this number, not by arrival.
  await db.schema
    .createTable('event_sequences')
    .addColumn('client_id', 'text', (c) => c.primaryKey())
    .addColumn('last_sequence', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema
    .alterTable('events')
    .addColumn('sequence', 'bigint', (c) => c.notNull().defaultTo(0))
    .execute();
  // Events already in the outbox are numbered in the order they were written.
  await sql`UPDATE events SET sequence = (
    SELECT COUNT(*) FROM events AS earlier
    WHERE earlier.client_id = events.client_id
      AND (earlier.created_at < events.created_at OR (earlier.created_at = events.created_at AND earlier.id <= events.id))
  )`.execute(db);
  await sql`INSERT INTO event_sequences (client_id, last_sequence)
    SELECT client_id, MAX(sequence) FROM events GROUP BY client_id`.execute(db);
}

// biome-ignore lint/suspicious/noExplicitAny: migrations run against whatever schema the database has.
export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('events').dropColumn('sequence').execute();
  await db.schema.dropTable('event_sequences').execute();
}
