import type pg from 'pg';
import {
  GRANT_COLUMNS,
  type OwnerWithFields,
  type RedeemedField,
  type RedeemedGrant,
  type RedeemingOwner,
  type RedeemStore,
} from './grant-redeem.repository.ts';

// Named statements: each connection has PostgreSQL parse and plan them once,
// not on every redeem. Their text must never change under the same name.

/**
 * The grant and its owner, both locked, and the owner's profile fields, in
 * one statement. Locks are taken grant first, owner second, as revokes and
 * goodbyes take them: `o` finds the owner through `g`'s `owner_id`, and `g`
 * yields its row only once its `FOR SHARE` lock is held, so no plan can lock
 * the owner before the grant. (`MATERIALIZED` keeps each lock in its own
 * scan.) Only the token's holder gets as far as the owner: a stranger who
 * names a grant id locks no owner row.
 */
const LOCK_GRANT_AND_OWNER = {
  name: 'kith_redeem_lock',
  text: `
    WITH g AS MATERIALIZED (
      SELECT ${GRANT_COLUMNS} FROM grants WHERE id = $1 FOR SHARE
    ), o AS MATERIALIZED (
      SELECT id, data_key_wrapped, audit_seq, audit_hash FROM owners
      WHERE id = (SELECT owner_id FROM g WHERE token_hash = $2)
      FOR UPDATE
    )
    SELECT g.*, o.id AS locked_owner_id, o.data_key_wrapped, o.audit_seq, o.audit_hash,
      p.path, p.version, p.value_sealed
    FROM g LEFT JOIN o ON true LEFT JOIN profile_fields p ON p.owner_id = o.id
    ORDER BY p.path`,
};

/** Spends the jti and, only if it was fresh, appends the log entry and moves the chain head. */
const RECORD_READ = {
  name: 'kith_redeem_record',
  text: `
    WITH spent AS (
      INSERT INTO dpop_proof_jtis (jti_hash, expires_at) VALUES ($1, $2)
      ON CONFLICT (expires_at, jti_hash) DO NOTHING
      RETURNING 1
    ), logged AS (
      INSERT INTO access_log (owner_id, seq, at, action, client_id, grant_id, detail, prev_hash, hash)
      SELECT $3, $4::integer, $5::bigint, $6, $7, $8, $9, $10, $11
      WHERE EXISTS (SELECT 1 FROM spent)
      RETURNING 1
    ), head AS (
      UPDATE owners SET audit_seq = $4::integer, audit_hash = $11
      WHERE id = $3 AND EXISTS (SELECT 1 FROM spent)
      RETURNING 1
    )
    SELECT EXISTS (SELECT 1 FROM spent) AS fresh`,
};

/**
 * One row per profile field of the owner (one without, if none or no owner
 * was locked). The owner's and the field's columns are all NOT NULL: null
 * here means no such row.
 */
type LockedRow = RedeemedGrant & { locked_owner_id: string | null } & {
  [K in Exclude<keyof RedeemingOwner, 'id'> | 'path' | 'version']: (RedeemingOwner & RedeemedField)[K] | null;
} & Pick<RedeemedField, 'value_sealed'>;

/**
 * Runs one redeem in one PostgreSQL transaction, straight on a pooled pg
 * connection (no query builder on the hottest path), in two round trips:
 * `BEGIN` travels with the lock statement and `COMMIT` with the write,
 * pipelined — the server runs them in order and answers each. So the store
 * `work` gets commits in `recordRead`: it must be the redeem's last step.
 * Whatever fails, the transaction is rolled back before the connection goes
 * back to the pool, and a connection that broke is not given back at all.
 */
export async function redeemOnPostgres<T>(
  pool: pg.Pool,
  tokenHash: string,
  work: (store: RedeemStore) => Promise<T>,
): Promise<T> {
  const client = await pool.connect();
  let broken: Error | undefined;
  // Checked out, a client has no listener of the pool's: a connection that
  // dies here fails this redeem's queries, not the process.
  const onError = (error: Error) => {
    broken = error;
  };
  client.on('error', onError);
  // pg reads `pipeline` each time it sends (pg 8.23, pinned), and nothing is
  // in flight at either switch: pipelined only while this redeem holds it.
  setPipeline(client, true);
  try {
    return await work(postgresRedeemStore(client, tokenHash));
  } catch (error) {
    // Pipelined, it runs after whatever is still in flight, and answers after it.
    // After a commit there is no transaction left, and PostgreSQL only warns.
    await client.query('ROLLBACK').catch((rollbackError: Error) => {
      broken ??= rollbackError;
    });
    throw error;
  } finally {
    setPipeline(client, false);
    client.removeListener('error', onError);
    client.release(broken);
  }
}

/**
 * Sends what `send` queues in one write. pg writes each protocol message
 * (parse, bind, execute, sync, and the BEGIN or COMMIT beside them) with a
 * write of its own: on a loopback socket each is a system call that runs
 * the receiving side's network stack and wakes PostgreSQL's backend, about
 * ten per redeem. pg hands its pipelined queries to the socket as `query()`
 * is called (pg 8.23, pinned), so a corked socket gathers them all.
 */
function inOneWrite<T>(client: pg.PoolClient, send: () => T): T {
  const { stream } = (client as unknown as { connection: { stream: NodeJS.WritableStream & Corkable } })
    .connection;
  stream.cork();
  try {
    return send();
  } finally {
    stream.uncork();
  }
}

interface Corkable {
  cork(): void;
  uncork(): void;
}

function setPipeline(client: pg.PoolClient, on: boolean): void {
  (client as { pipeline: boolean }).pipeline = on;
}

function postgresRedeemStore(client: pg.PoolClient, tokenHash: string): RedeemStore {
  let locked: OwnerWithFields | undefined;
  return {
    async lockGrant(id) {
      const [, { rows }] = await inOneWrite(client, () =>
        Promise.all([
          client.query('BEGIN'),
          client.query<LockedRow>({ ...LOCK_GRANT_AND_OWNER, values: [id, tokenHash] }),
        ]),
      );
      const first = rows[0];
      if (!first) return undefined;
      const ownerId = first.locked_owner_id;
      if (ownerId !== null) {
        const { data_key_wrapped, audit_seq, audit_hash } = first as LockedRow & RedeemingOwner;
        locked = {
          owner: { id: ownerId, data_key_wrapped, audit_seq, audit_hash },
          fields: rows.filter((r): r is LockedRow & RedeemedField => r.path !== null),
        };
      }
      const { owner_id, client_id, subject, fields, expires_at, revoked_at, token_hash, jkt } = first;
      return { id: first.id, owner_id, client_id, subject, fields, expires_at, revoked_at, token_hash, jkt };
    },
    // Locked with the grant, by the same statement.
    lockOwnerWithFields: (ownerId) => (locked?.owner.id === ownerId ? locked : undefined),
    async recordRead(jti, entry) {
      const [{ rows }, committed] = await inOneWrite(client, () =>
        Promise.all([
          client.query<{ fresh: boolean }>({
            ...RECORD_READ,
            values: [
              jti.hash,
              jti.expiresAt,
              entry.owner_id,
              entry.seq,
              entry.at,
              entry.action,
              entry.client_id,
              entry.grant_id,
              entry.detail,
              entry.prev_hash,
              entry.hash,
            ],
          }),
          client.query('COMMIT'),
        ]),
      );
      // PostgreSQL answers the COMMIT of a failed transaction with ROLLBACK.
      if (committed.command !== 'COMMIT') throw new Error(`redeem: COMMIT answered ${committed.command}`);
      return rows[0]?.fresh === true;
    },
  };
}
