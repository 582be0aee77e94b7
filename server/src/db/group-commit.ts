import { closeSync, fsync, openSync } from 'node:fs';
import { promisify } from 'node:util';
import type SqliteDatabase from 'better-sqlite3';
import type { Db } from './database.ts';

const fsyncAsync = promisify(fsync);

/**
 * Runs small units of write work on SQLite in shared transactions: one
 * commit, so one fsync, for every unit that arrived since the last one.
 * Each unit gets its own savepoint, so one that throws undoes only its own
 * writes; its promise settles only after the shared commit is durable, so a
 * caller never answers for a write that could still be lost.
 *
 * The fsync runs off the event loop: the group commits with
 * `synchronous = NORMAL` (SQLite writes the WAL frames but does not sync
 * them), then syncs the WAL file on libuv's thread pool and only then
 * settles its units. While one group's sync is in flight, the units that
 * arrive gather for the group after it. A power cut loses nothing a caller
 * was told: everything up to the group's commit frame was on disk before any
 * of its units resolved.
 */
export interface GroupCommit {
  /**
   * Runs `work` in the next group transaction and resolves with its result
   * once that transaction has committed (or rejects with its error, or with
   * the commit's). `work` must use only the handle it is given: the group
   * holds the database's one connection, so a Kysely query inside would wait
   * for itself.
   */
  run<T>(work: (sqlite: SqliteDatabase.Database) => T | Promise<T>): Promise<T>;
  /** Resolves once every unit handed in so far has settled (committed and synced, or failed). */
  drain(): Promise<void>;
  /** Waits for the syncs in flight and lets go of the WAL file; call it after the database is closed. */
  close(): Promise<void>;
  /** Tells `listener` the number of units in each group that commits (metrics); one listener at most. */
  observeCommits(listener: ((units: number) => void) | undefined): void;
}

/** Units per transaction at most, so one commit never waits on an unbounded queue. */
const MAX_GROUP = 512;

type Outcome = { value: unknown } | { error: unknown };
/** The write lock was taken: nothing was done, try again. */
const BUSY = Symbol('busy');

interface Unit {
  work: (sqlite: SqliteDatabase.Database) => unknown;
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
}

/**
 * Sets up group commit for `db` over its underlying better-sqlite3 handle.
 * Groups take Kysely's connection, so they interleave with Kysely's own
 * transactions and never run inside one.
 *
 * @example
 * const db = new Kysely<Database>({ dialect: createSqliteDialect(sqlite) });
 * const group = createGroupCommit(db, sqlite);
 * const answer = await group.run((s) => s.prepare('insert …').run(…));
 */
export function createGroupCommit(
  db: Db,
  sqlite: SqliteDatabase.Database,
  options: { syncFile?: (fd: number) => Promise<void> } = {},
): GroupCommit {
  const syncFile = options.syncFile ?? fsyncAsync;
  const queue: Unit[] = [];
  let scheduled = false;
  const begin = sqlite.prepare('BEGIN IMMEDIATE');
  const commit = sqlite.prepare('COMMIT');
  const rollback = sqlite.prepare('ROLLBACK');
  const savepoint = sqlite.prepare('SAVEPOINT unit');
  const release = sqlite.prepare('RELEASE unit');
  const rollbackToSavepoint = sqlite.prepare('ROLLBACK TO unit');
  const busyTimeoutMs = Number(sqlite.pragma('busy_timeout', { simple: true }));
  const synchronous = Number(sqlite.pragma('synchronous', { simple: true }));
  // The WAL file outlives every commit while this connection is open; it is opened at the first group.
  const inWal = !sqlite.memory && sqlite.pragma('journal_mode', { simple: true }) === 'wal';
  const walPath = inWal ? `${sqlite.name}-wal` : undefined;
  let walFd: number | undefined;
  const syncs = new Set<Promise<void>>();
  // Units handed in and not yet settled, and who waits for that to reach zero (a shutdown).
  let unsettled = 0;
  let drained: (() => void)[] = [];
  let commitListener: ((units: number) => void) | undefined;
  const settled = (count: number) => {
    unsettled -= count;
    if (unsettled > 0 || drained.length === 0) return;
    const waiters = drained;
    drained = [];
    for (const wake of waiters) wake();
  };

  // Groups whose fsync is in flight. While there is one, the next group waits
  // for it (unless a whole group's worth is queued): the units that arrive
  // meanwhile then share one commit and one fsync, instead of each turn paying
  // for its own — fewer WAL pages written twice, fewer syncs, less CPU per unit.
  let syncing = 0;

  const schedule = () => {
    if (scheduled) return;
    if (syncing > 0 && queue.length < MAX_GROUP) return;
    scheduled = true;
    // After the I/O phase: every request that arrived in this turn joins the group.
    setImmediate(() => void flush());
  };

  async function flush(): Promise<void> {
    scheduled = false;
    const units = queue.splice(0, MAX_GROUP);
    let outcomes: Outcome[];
    try {
      outcomes = await runGroupWhenWritable(units);
    } catch (error) {
      for (const unit of units) unit.reject(error);
      settled(units.length);
      if (queue.length > 0) schedule();
      return;
    }
    commitListener?.(units.length);
    const synced = syncWal();
    syncs.add(synced);
    syncing++;
    schedule();
    try {
      await synced;
    } catch (error) {
      // Committed, but not known to be durable: nobody may be told it was done.
      for (const unit of units) unit.reject(error);
      settled(units.length);
      return;
    } finally {
      syncs.delete(synced);
      syncing--;
      if (queue.length > 0) schedule();
    }
    units.forEach((unit, i) => {
      const outcome = outcomes[i] as Outcome;
      if ('error' in outcome) unit.reject(outcome.error);
      else unit.resolve(outcome.value);
    });
    settled(units.length);
  }

  // Another process holds the write lock: SQLite's busy handler would sleep on the
  // event loop, stalling every request of this process. Wait here without blocking
  // instead, and try again; only after the configured busy timeout is it an error.
  async function runGroupWhenWritable(units: Unit[]): Promise<Outcome[]> {
    const deadline = Date.now() + busyTimeoutMs;
    for (let attempt = 0; ; attempt++) {
      const outcomes = await db.connection().execute(() => runGroup(units));
      if (outcomes !== BUSY) return outcomes;
      if (Date.now() >= deadline)
        throw Object.assign(new Error('the database stayed locked by another process'), {
          code: 'SQLITE_BUSY',
        });
      await new Promise((resolve) => setTimeout(resolve, Math.min(1 + attempt, 10)));
    }
  }

  async function runGroup(units: Unit[]): Promise<Outcome[] | typeof BUSY> {
    // Pragmas through `exec()`, never prepared once: SQLite applies a pragma when
    // its statement is prepared, so running a prepared one again does nothing.
    // (`exec()` rather than `pragma()`, which builds a statement object: ten times dearer.)
    sqlite.exec(
      walPath === undefined
        ? 'PRAGMA busy_timeout = 0'
        : 'PRAGMA synchronous = NORMAL; PRAGMA busy_timeout = 0',
    );
    try {
      try {
        begin.run();
      } catch (error) {
        if ((error as { code?: string }).code === 'SQLITE_BUSY') return BUSY;
        throw error;
      } finally {
        sqlite.exec(`PRAGMA busy_timeout = ${busyTimeoutMs}`);
      }
      const outcomes: Outcome[] = [];
      try {
        for (const unit of units) {
          savepoint.run();
          try {
            outcomes.push({ value: await unit.work(sqlite) });
            release.run();
          } catch (error) {
            rollbackToSavepoint.run();
            release.run();
            outcomes.push({ error });
          }
        }
        commit.run();
      } catch (error) {
        if (sqlite.inTransaction) rollback.run();
        throw error;
      }
      return outcomes;
    } finally {
      if (walPath !== undefined) sqlite.exec(`PRAGMA synchronous = ${synchronous}`);
    }
  }

  async function syncWal(): Promise<void> {
    if (walPath === undefined) return;
    walFd ??= openSync(walPath, 'r+');
    await syncFile(walFd);
  }

  const group: GroupCommit = {
    run<T>(work: (sqlite: SqliteDatabase.Database) => T | Promise<T>): Promise<T> {
      unsettled++;
      return new Promise<T>((resolve, reject) => {
        queue.push({ work, resolve: resolve as (value: unknown) => void, reject });
        schedule();
      });
    },
    drain() {
      if (unsettled === 0) return Promise.resolve();
      return new Promise<void>((resolve) => drained.push(resolve));
    },
    observeCommits(listener) {
      commitListener = listener;
    },
    async close() {
      await Promise.allSettled([...syncs]);
      if (walFd !== undefined) closeSync(walFd);
      walFd = undefined;
    },
  };
  return group;
}
