/**
 * Long access logs for tests, fast: entries chained by the server's own
 * `chainAccessLogEntry` (so they verify exactly as live ones do), written
 * in large multi-row statements (`json_each` on SQLite, `unnest` on
 * PostgreSQL) instead of one append per entry, and the owner's chain head
 * moved to the last one, in one transaction.
 */
import { sql } from 'kysely';
import { chainAccessLogEntry } from '../../server/src/audit/audit.service.ts';
import type { Db } from '../../server/src/db/database.ts';
import type { DatabaseKind } from './databases.ts';

const BATCH = 20_000;
const CLIENT_ID = 'https://shop.example/kith-client.json';
const GRANT_ID = 'grt_seeded';

/**
 * Appends `count` `data.read` entries to the owner's chain, `at` one
 * millisecond apart from `startAt`.
 *
 * @example
 * await appendChainedEntries(tv.vault.db, 'sqlite', owner.id, 1_000_000, { startAt: tv.clock.now() });
 */
export async function appendChainedEntries(
  db: Db,
  kind: DatabaseKind,
  ownerId: string,
  count: number,
  options: { startAt: number },
): Promise<void> {
  await db.transaction().execute(async (trx) => {
    const owner = await trx
      .selectFrom('owners')
      .select(['audit_seq', 'audit_hash'])
      .where('id', '=', ownerId)
      .executeTakeFirstOrThrow();
    const head = { audit_seq: owner.audit_seq, audit_hash: owner.audit_hash };
    const detail = { fields: ['email'], version: 1 };
    let writing: Promise<unknown> = Promise.resolve();
    for (let done = 0; done < count; done += BATCH) {
      const batch = chainBatch(head, ownerId, detail, done, Math.min(count, done + BATCH), options.startAt);
      await writing;
      writing = insertBatch(kind, ownerId, batch).execute(trx);
      // Awaited before the next batch or at the end; until then a failure is not unhandled.
      writing.catch(() => {});
      // PostgreSQL inserts one batch while the next is hashed: let its client send first.
      await new Promise((resolve) => setImmediate(resolve));
    }
    await writing;
    await trx
      .updateTable('owners')
      .set({ audit_seq: head.audit_seq, audit_hash: head.audit_hash })
      .where('id', '=', ownerId)
      .execute();
  });
  // As autovacuum would soon after: the planner learns the table is large.
  if (kind === 'postgres') await sql`ANALYZE access_log`.execute(db);
}

interface Batch {
  seqs: number[];
  ats: number[];
  prevs: string[];
  hashes: string[];
  detail: string;
}

function chainBatch(
  head: { audit_seq: number; audit_hash: string },
  ownerId: string,
  detail: Record<string, unknown>,
  from: number,
  to: number,
  startAt: number,
): Batch {
  const batch: Batch = { seqs: [], ats: [], prevs: [], hashes: [], detail: '' };
  for (let i = from; i < to; i++) {
    const row = chainAccessLogEntry(head, {
      ownerId,
      at: startAt + i,
      action: 'data.read',
      clientId: CLIENT_ID,
      grantId: GRANT_ID,
      detail,
    });
    batch.detail = row.detail;
    batch.seqs.push(row.seq);
    batch.ats.push(row.at);
    batch.prevs.push(row.prev_hash);
    batch.hashes.push(row.hash);
    head.audit_seq = row.seq;
    head.audit_hash = row.hash;
  }
  return batch;
}

function insertBatch(kind: DatabaseKind, ownerId: string, b: Batch) {
  if (kind === 'sqlite') {
    const rows = JSON.stringify(b.seqs.map((seq, i) => [seq, b.ats[i], b.prevs[i], b.hashes[i]]));
    return sql`INSERT INTO access_log (owner_id, seq, at, action, client_id, grant_id, detail, prev_hash, hash)
      SELECT ${ownerId}, value ->> 0, value ->> 1, 'data.read', ${CLIENT_ID}, ${GRANT_ID}, ${b.detail},
             value ->> 2, value ->> 3
      FROM json_each(${rows})`;
  }
  return sql`INSERT INTO access_log (owner_id, seq, at, action, client_id, grant_id, detail, prev_hash, hash)
    SELECT ${ownerId}, t.seq, t.at, 'data.read', ${CLIENT_ID}, ${GRANT_ID}, ${b.detail}, t.prev, t.hash
    FROM unnest(${b.seqs}::integer[], ${b.ats}::bigint[], ${b.prevs}::text[], ${b.hashes}::text[])
      AS t(seq, at, prev, hash)`;
}
