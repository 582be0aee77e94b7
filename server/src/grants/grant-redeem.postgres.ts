import type pg from 'pg';
import type { AccessLogRow } from '../audit/audit.table.ts';
import { HELD_REDEEM_GROUPS_IN_FLIGHT, REDEEM_GROUPS_IN_FLIGHT } from '../db/postgres-pool.ts';
import type { RedeemRequest, RedeemStore, Redeems, SpentJti } from './grant-redeem.repository.ts';
import {
  KNOWN_GRANTS,
  LOCK_FREE_GRANTS_AND_OWNERS,
  LOCK_GRANTS_AND_OWNERS,
  type LockedRow,
  logColumns,
  RECORD_READS,
  readLocked,
  SPEND_JTIS,
} from './grant-redeem-sql.postgres.ts';

interface Unit extends RedeemRequest {
  work: (store: RedeemStore) => Promise<unknown>;
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
}

/** Redeems per group at most: one group's arrays and answers stay small. */
const MAX_GROUP = 256;
/** A deadlock PostgreSQL broke by cancelling this group (none is expected: every lock is taken in one order). */
const DEADLOCK_DETECTED = '40P01';
const ATTEMPTS = 3;
/** A row stayed locked past the lock timeout (`lock_timeout`, KITH_LOCK_TIMEOUT_MS). */
const LOCK_NOT_AVAILABLE = '55P03';
/**
 * How long a grant found held stays in the held lane, unless a redeem of it
 * gets through first: only bounds what is remembered of a grant nobody
 * redeems any more.
 */
const HELD_FOR_MS = 60_000;

/** A redeem not tried, because its grant or its owner stayed held elsewhere: answered 503 like the wait it replaces. */
function heldElsewhere(): Error {
  return Object.assign(new Error('the grant or its owner stayed locked by another transaction'), {
    code: LOCK_NOT_AVAILABLE,
  });
}

/** Redeems waiting for a group, and that lane's groups in flight. */
interface Lane {
  queue: Unit[];
  inFlight: number;
  max: number;
  scheduled: boolean;
}

/**
 * The redeem groups over a pool of pipelined connections (pg's `pipeline`
 * option), as SQLite's group commit groups its redeems. The redeems that
 * arrive in one turn of the event loop share a transaction:
 *
 * 1. `BEGIN`, spend their `jti`s, lock their grants and owners and read the
 *    owners' fields — three statements in one round trip;
 * 2. each redeem's rules run here, one after another, against what was read:
 *    a proof spent before or earlier in the group is refused, and each
 *    owner's log chain continues from the entry the previous redeem of that
 *    owner wrote;
 * 3. every log entry, chain head and given-back `jti` in one statement, and
 *    `COMMIT`, in the second round trip.
 *
 * Each redeem's promise settles only once `COMMIT` has answered, so nothing is
 * answered before it is durable; if anything fails, the transaction is rolled
 * back and every redeem of the group fails. At most
 * `REDEEM_GROUPS_IN_FLIGHT` groups are in flight; redeems arriving meanwhile
 * gather for the next.
 *
 * A row held by a transaction outside the groups (an operator's open `psql`
 * session, a stuck script) must not stall every owner's redeems. A group that
 * waits past the lock timeout is rolled back and sent once more with
 * `SKIP LOCKED`: the redeems whose rows are free get their answers, those
 * whose grant or owner is held are answered 503 (their `jti`s given back),
 * and their grants go to a lane of their own — groups of only such redeems,
 * `HELD_REDEEM_GROUPS_IN_FLIGHT` at a time, on a connection of their own —
 * until one of their redeems gets through. (A row another group of Kith's
 * held at that moment is left out too; its redeem is answered 503 and its
 * grant's next redeem goes through the held lane, at no wait once it is free.)
 * Made once per vault (vault.ts): each call makes queues of its own.
 *
 * @example
 * const groups = postgresRedeemGroups(pipelinedPool);
 * const answer = await groups.run({ grantId, tokenHash, jti }, (store) => redeemInStore(deps, store, attempt));
 */
export function postgresRedeemGroups(pool: pg.Pool): Redeems {
  const lane = (max: number): Lane => ({ queue: [], inFlight: 0, max, scheduled: false });
  const free = lane(REDEEM_GROUPS_IN_FLIGHT);
  // Grants found held by a transaction outside the groups (an operator's, a stuck
  // script's), until when: their redeems go in groups of their own, so that only they
  // wait out the lock timeout, not every redeem of every other owner.
  const held = new Map<string, number>();
  const heldLane = lane(HELD_REDEEM_GROUPS_IN_FLIGHT);

  const schedule = (lane: Lane) => {
    if (lane.scheduled || lane.inFlight >= lane.max || lane.queue.length === 0) return;
    lane.scheduled = true;
    // After the I/O phase: every redeem that arrived in this turn joins the group.
    setImmediate(() => {
      lane.scheduled = false;
      if (lane.inFlight >= lane.max) return;
      const units = lane.queue.splice(0, MAX_GROUP);
      if (units.length === 0) return;
      lane.inFlight++;
      void runGroup(pool, units, held).finally(() => {
        lane.inFlight--;
        schedule(lane);
      });
      schedule(lane);
    });
  };

  return {
    run<T>(request: RedeemRequest, work: (store: RedeemStore) => Promise<T>): Promise<T> {
      return new Promise<T>((resolve, reject) => {
        let into = free;
        const until = held.size === 0 ? undefined : held.get(request.grantId);
        if (until !== undefined) {
          if (until > Date.now()) into = heldLane;
          else held.delete(request.grantId);
        }
        into.queue.push({ ...request, work, resolve: resolve as (value: unknown) => void, reject });
        schedule(into);
      });
    },
  };
}

type Outcome = { value: unknown } | { error: unknown };

/**
 * Runs one group on a connection of its own. A deadlock is tried again as
 * it was; a lock held past the lock timeout once more, leaving out (and
 * answering 503) the redeems whose grant or owner is held, and marking
 * their grants `held`. A redeem that gets through takes its grant off.
 */
async function runGroup(pool: pg.Pool, units: Unit[], held: Map<string, number>): Promise<void> {
  let client: pg.PoolClient;
  try {
    client = await pool.connect();
  } catch (error) {
    for (const unit of units) unit.reject(error);
    return;
  }
  let broken: Error | undefined;
  // Checked out, a client has no listener of the pool's: a connection that
  // dies here fails this group's queries, not the process.
  const onError = (error: Error) => {
    broken = error;
  };
  client.on('error', onError);
  let skipHeld = false;
  try {
    for (let attempt = 1; ; attempt++) {
      try {
        const outcomes = await runGroupOnce(client, units, skipHeld);
        units.forEach((unit, i) => {
          const outcome = outcomes[i] as Outcome | 'held';
          if (outcome === 'held') {
            held.set(unit.grantId, Date.now() + HELD_FOR_MS);
            unit.reject(heldElsewhere());
            return;
          }
          if (held.size > 0) held.delete(unit.grantId);
          if ('error' in outcome) unit.reject(outcome.error);
          else unit.resolve(outcome.value);
        });
        return;
      } catch (error) {
        // Pipelined, it runs after whatever is still in flight, and answers after it.
        // After a commit there is no transaction left, and PostgreSQL only warns.
        await client.query('ROLLBACK').catch((rollbackError: Error) => {
          broken ??= rollbackError;
        });
        const code = (error as { code?: string }).code;
        const retry =
          !broken &&
          attempt < ATTEMPTS &&
          (code === DEADLOCK_DETECTED || (code === LOCK_NOT_AVAILABLE && !skipHeld));
        if (!retry) {
          for (const unit of units) unit.reject(error);
          return;
        }
        if (code === LOCK_NOT_AVAILABLE) skipHeld = true;
      }
    }
  } finally {
    client.removeListener('error', onError);
    client.release(broken);
  }
}

/**
 * One try of a group, in one transaction. With `skipHeld`, rows another
 * transaction holds are not waited for: the redeems that needed one are
 * `'held'`, not run, and their proofs' `jti`s given back.
 */
async function runGroupOnce(
  client: pg.PoolClient,
  units: Unit[],
  skipHeld: boolean,
): Promise<Array<Outcome | 'held'>> {
  const jtis = units
    .flatMap((u) => (u.jti ? [u.jti] : []))
    .sort((a, b) => a.expiresAt - b.expiresAt || (a.hash < b.hash ? -1 : a.hash > b.hash ? 1 : 0));
  const grantIds = units.map((u) => u.grantId);
  const [, spent, { rows }, known] = await Promise.all([
    client.query('BEGIN'),
    jtis.length === 0
      ? { rows: [] }
      : client.query<{ jti_hash: string; expires_at: number }>({
          ...SPEND_JTIS,
          values: [jtis.map((j) => j.hash), jtis.map((j) => j.expiresAt)],
        }),
    client.query<LockedRow>({
      ...(skipHeld ? LOCK_FREE_GRANTS_AND_OWNERS : LOCK_GRANTS_AND_OWNERS),
      values: [grantIds, units.map((u) => u.tokenHash)],
    }),
    skipHeld ? client.query<{ id: string }>({ ...KNOWN_GRANTS, values: [grantIds] }) : undefined,
  ]);

  // Spent by this transaction, and not yet claimed by a redeem of the group.
  const fresh = new Map(
    spent.rows.map((r) => [jtiKey({ hash: r.jti_hash, expiresAt: r.expires_at }), r] as const),
  );
  const { grants, owners } = readLocked(rows);
  const entries: AccessLogRow[] = [];
  // One store for the whole group: each redeem's rules run in turn against it.
  const store: RedeemStore = {
    lockGrant: (id) => grants.get(id),
    lockOwnerWithFields: (ownerId) => owners.get(ownerId),
    recordRead(jti, entry) {
      if (!fresh.delete(jtiKey(jti))) return false;
      entries.push(entry);
      // The next redeem of this owner in the group chains from this entry.
      const owner = owners.get(entry.owner_id)?.owner;
      if (owner) {
        owner.audit_seq = entry.seq;
        owner.audit_hash = entry.hash;
      }
      return true;
    },
  };
  // Only when SKIP LOCKED left rows out: a grant that exists, or the owner of a grant whose token matched.
  const exists = known && new Set(known.rows.map((r) => r.id));
  const isHeld = (unit: Unit) => {
    const grant = grants.get(unit.grantId);
    if (!grant) return exists?.has(unit.grantId) === true;
    return grant.token_hash === unit.tokenHash && !owners.has(grant.owner_id);
  };
  const outcomes: Array<Outcome | 'held'> = [];
  for (const unit of units) {
    if (exists && isHeld(unit)) {
      outcomes.push('held');
      continue;
    }
    try {
      outcomes.push({ value: await unit.work(store) });
    } catch (error) {
      outcomes.push({ error });
    }
  }

  // What is still in `fresh` was spent for redeems that were refused: given back.
  const unspent = [...fresh.values()];
  const heads = new Map<string, AccessLogRow>();
  for (const entry of entries) heads.set(entry.owner_id, entry);
  const [, committed] = await Promise.all([
    entries.length === 0 && unspent.length === 0
      ? undefined
      : client.query({
          ...RECORD_READS,
          values: [
            unspent.map((j) => j.jti_hash),
            unspent.map((j) => j.expires_at),
            ...logColumns(entries),
            [...heads.keys()],
            [...heads.values()].map((e) => e.seq),
            [...heads.values()].map((e) => e.hash),
          ],
        }),
    client.query('COMMIT'),
  ]);
  // PostgreSQL answers the COMMIT of a failed transaction with ROLLBACK.
  if (committed.command !== 'COMMIT') throw new Error(`redeem group: COMMIT answered ${committed.command}`);
  return outcomes;
}

function jtiKey(jti: SpentJti): string {
  return `${jti.expiresAt}|${jti.hash}`;
}
