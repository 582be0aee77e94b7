import { statSync } from 'node:fs';
import { join } from 'node:path';
import SqliteDatabase from 'better-sqlite3';
import { Kysely, sql } from 'kysely';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createTempDir, type TempDir } from '../../../test/support/temp-dir.ts';
import type { Database, Db } from './database.ts';
import { createGroupCommit } from './group-commit.ts';
import { openDatabase } from './open-database.ts';
import { startSqliteCheckpointer } from './sqlite-checkpointer.ts';
import { createSqliteDialect } from './sqlite-dialect.ts';

// These pieces exist only on SQLite (PostgreSQL groups commits and checkpoints by itself),
// so this suite runs on SQLite alone; every suite that redeems runs them on both.

/** A scratch table on a raw connection, outside the schema Kysely knows. */
function openScratch(path: string): { sqlite: SqliteDatabase.Database; db: Db } {
  const sqlite = new SqliteDatabase(path);
  sqlite.pragma('journal_mode = WAL');
  sqlite.pragma('synchronous = FULL');
  sqlite.exec('CREATE TABLE IF NOT EXISTS notes (id INTEGER PRIMARY KEY, text TEXT NOT NULL UNIQUE)');
  return { sqlite, db: new Kysely<Database>({ dialect: createSqliteDialect(sqlite) }) };
}

let dir: TempDir;
beforeEach(() => {
  dir = createTempDir();
});
afterEach(() => dir.cleanup());

const countNotes = (sqlite: SqliteDatabase.Database) =>
  (sqlite.prepare('SELECT count(*) AS n FROM notes').get() as { n: number }).n;

describe('SQLite group commit', () => {
  it('commits every unit of a turn in one transaction, and undoes only the unit that threw', async () => {
    const { sqlite, db } = openScratch(join(dir.path, 'group.sqlite'));
    const group = createGroupCommit(db, sqlite);
    const insert = sqlite.prepare('INSERT INTO notes (text) VALUES (?)');
    const results = await Promise.allSettled([
      group.run(() => insert.run('a').changes),
      group.run((s) => {
        insert.run('b');
        // Written, then the unit fails: its own insert must go, the others stay.
        return s.prepare('INSERT INTO notes (text) VALUES (?)').run('a');
      }),
      group.run(() => insert.run('c').changes),
    ]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect(sqlite.prepare('SELECT text FROM notes ORDER BY text').pluck().all()).toEqual(['a', 'c']);
    await db.destroy();
    await group.close();
  });

  it('answers only once the WAL is synced, and fails the units when the sync fails', async () => {
    const { sqlite, db } = openScratch(join(dir.path, 'sync.sqlite'));
    const syncs: Array<{ release: () => void; fail: (error: Error) => void }> = [];
    const group = createGroupCommit(db, sqlite, {
      syncFile: () => new Promise<void>((release, fail) => syncs.push({ release, fail })),
    });
    const insert = sqlite.prepare('INSERT INTO notes (text) VALUES (?)');

    let answered = false;
    let levelInside: unknown;
    const first = group
      .run((s) => {
        // The commit itself must not sync (that would stall the event loop): NORMAL inside the group.
        levelInside = s.pragma('synchronous', { simple: true });
        return insert.run('durable').changes;
      })
      .then((n) => {
        answered = true;
        return n;
      });
    while (syncs.length === 0) await new Promise((r) => setTimeout(r, 5));
    // Committed, but the sync is still out: nobody may be told yet.
    expect(countNotes(sqlite)).toBe(1);
    await new Promise((r) => setTimeout(r, 50));
    expect(answered).toBe(false);
    syncs[0]?.release();
    expect(await first).toBe(1);
    expect(levelInside).toBe(1);
    expect(sqlite.pragma('synchronous', { simple: true })).toBe(2);

    const second = group.run(() => insert.run('lost?').changes);
    while (syncs.length === 1) await new Promise((r) => setTimeout(r, 5));
    syncs[1]?.fail(new Error('EIO'));
    await expect(second).rejects.toThrow('EIO');
    await db.destroy();
    await group.close();
  });

  it('drains: resolves only once every unit handed in has committed and synced (a shutdown waits on it)', async () => {
    const { sqlite, db } = openScratch(join(dir.path, 'drain.sqlite'));
    const syncs: Array<() => void> = [];
    const group = createGroupCommit(db, sqlite, {
      syncFile: () => new Promise<void>((release) => syncs.push(release)),
    });
    const sizes: number[] = [];
    group.observeCommits((units) => sizes.push(units));
    const insert = sqlite.prepare('INSERT INTO notes (text) VALUES (?)');
    await group.drain(); // nothing handed in: at once
    const units = [group.run(() => insert.run('x')), group.run(() => insert.run('y'))];
    let drained = false;
    const drain = group.drain().then(() => (drained = true));
    while (syncs.length === 0) await new Promise((r) => setTimeout(r, 5));
    await new Promise((r) => setTimeout(r, 30));
    expect(drained).toBe(false);
    syncs[0]?.();
    await drain;
    await Promise.all(units);
    expect(sizes).toEqual([2]);
    expect(countNotes(sqlite)).toBe(2);
    await db.destroy();
    await group.close();
  });

  it('gathers the units that arrive during a sync into one group after it', async () => {
    const { sqlite, db } = openScratch(join(dir.path, 'gather.sqlite'));
    const syncs: Array<() => void> = [];
    const group = createGroupCommit(db, sqlite, {
      syncFile: () => new Promise<void>((release) => syncs.push(release)),
    });
    const insert = sqlite.prepare('INSERT INTO notes (text) VALUES (?)');
    const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));
    const waitFor = async (check: () => boolean) => {
      while (!check()) await pause(5);
    };
    const settled: string[] = [];
    const write = (text: string) => group.run(() => insert.run(text)).then(() => void settled.push(text));

    const first = write('first');
    await waitFor(() => syncs.length === 1);
    // Two units in two later turns, while the first group's sync is out: they wait for it.
    const second = write('second');
    await pause(10);
    const third = write('third');
    await pause(20);
    expect(countNotes(sqlite)).toBe(1);
    expect(syncs).toHaveLength(1);

    syncs[0]?.();
    await first;
    // Then one commit and one sync for both.
    await waitFor(() => syncs.length === 2);
    expect(countNotes(sqlite)).toBe(3);
    await pause(20);
    expect(settled).toEqual(['first']);
    syncs[1]?.();
    await Promise.all([second, third]);
    expect(settled).toEqual(['first', 'second', 'third']);
    expect(syncs).toHaveLength(2);
    await db.destroy();
    await group.close();
  });

  it('waits for a Kysely transaction in progress instead of writing inside it', async () => {
    const { sqlite, db } = openScratch(join(dir.path, 'interleave.sqlite'));
    const group = createGroupCommit(db, sqlite);
    let grouped: Promise<number> | undefined;
    await expect(
      db.transaction().execute(async (trx) => {
        await sql`INSERT INTO notes (text) VALUES ('in the transaction')`.execute(trx);
        grouped = group.run(() => countNotes(sqlite));
        await new Promise((r) => setTimeout(r, 20));
        throw new Error('roll back');
      }),
    ).rejects.toThrow('roll back');
    // Had the group run inside the open transaction, it would have seen its row (and committed it).
    expect(await grouped).toBe(0);
    expect(countNotes(sqlite)).toBe(0);
    await db.destroy();
    await group.close();
  });

  it('waits for another process’s write lock without stalling the event loop', async () => {
    const path = join(dir.path, 'busy.sqlite');
    const { sqlite, db } = openScratch(path);
    sqlite.pragma('busy_timeout = 5000');
    const group = createGroupCommit(db, sqlite);
    const other = new SqliteDatabase(path);
    other.exec('BEGIN IMMEDIATE');
    other.exec("INSERT INTO notes (text) VALUES ('other')");
    // The other writer lets go only from this event loop: a group that slept in
    // SQLite's busy handler would hold the loop, and both would wait out the timeout.
    let ticks = 0;
    const ticker = setInterval(() => ticks++, 5);
    setTimeout(() => other.exec('COMMIT'), 100);
    const started = Date.now();
    const seen = await group.run(() => countNotes(sqlite));
    clearInterval(ticker);
    expect(seen).toBe(1);
    expect(Date.now() - started).toBeLessThan(2000);
    expect(ticks).toBeGreaterThan(5);
    other.close();
    await db.destroy();
    await group.close();
  });

  it('is set up for every SQLite database the vault opens, and for no PostgreSQL one', () => {
    const opened = openDatabase({
      kind: 'sqlite',
      url: `sqlite:${join(dir.path, 'vault.sqlite')}`,
      path: join(dir.path, 'vault.sqlite'),
    });
    expect(opened.kind === 'sqlite' && opened.groupCommit).toBeTruthy();
    return opened.close();
  });
});

describe('SQLite transactions', () => {
  it('take the write lock when they begin, so another process cannot slip a write in between', async () => {
    const path = join(dir.path, 'immediate.sqlite');
    const { db } = openScratch(path);
    const other = new SqliteDatabase(path);
    other.pragma('busy_timeout = 0');
    let otherCouldWrite: boolean | undefined;
    await db.transaction().execute(async (trx) => {
      // Only a read so far: a deferred transaction would hold no write lock yet.
      await sql`SELECT count(*) FROM notes`.execute(trx);
      try {
        other.exec('BEGIN IMMEDIATE');
        other.exec('ROLLBACK');
        otherCouldWrite = true;
      } catch (error) {
        expect((error as { code?: string }).code).toBe('SQLITE_BUSY');
        otherCouldWrite = false;
      }
      await sql`INSERT INTO notes (text) VALUES ('mine')`.execute(trx);
    });
    expect(otherCouldWrite).toBe(false);
    other.close();
    await db.destroy();
  });
});

describe('SQLite background checkpoints', () => {
  it('copies the WAL into the database file from their own thread', async () => {
    const path = join(dir.path, 'checkpoint.sqlite');
    const { sqlite, db } = openScratch(path);
    // No checkpoint from this connection at all: only the background thread may do it.
    sqlite.pragma('wal_autocheckpoint = 0');
    const insert = sqlite.prepare('INSERT INTO notes (text) VALUES (?)');
    sqlite.transaction(() => {
      for (let i = 0; i < 5000; i++) insert.run(`note ${i} ${'x'.repeat(200)}`);
    })();
    const before = statSync(path).size;
    expect(statSync(`${path}-wal`).size).toBeGreaterThan(1_000_000);

    const checkpointer = startSqliteCheckpointer(path, 20);
    const deadline = Date.now() + 10_000;
    while (statSync(path).size <= before + 1_000_000 && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 20));
    await checkpointer.stop();
    expect(statSync(path).size).toBeGreaterThan(before + 1_000_000);
    expect(countNotes(sqlite)).toBe(5000);
    await db.destroy();
  });

  it('checkpoints nothing once stopped, and a second stop is harmless', async () => {
    const path = join(dir.path, 'stopped.sqlite');
    const { sqlite, db } = openScratch(path);
    sqlite.pragma('wal_autocheckpoint = 0');
    const checkpointer = startSqliteCheckpointer(path, 20);
    await checkpointer.stop();
    // Stopping twice, or after the thread ended, is fine.
    await expect(checkpointer.stop()).resolves.toBeUndefined();

    const insert = sqlite.prepare('INSERT INTO notes (text) VALUES (?)');
    sqlite.transaction(() => {
      for (let i = 0; i < 5000; i++) insert.run(`note ${i} ${'x'.repeat(200)}`);
    })();
    const before = statSync(path).size;
    // Ten of its intervals: a thread still running would have copied the WAL by now.
    await new Promise((r) => setTimeout(r, 200));
    expect(statSync(path).size).toBe(before);
    expect(statSync(`${path}-wal`).size).toBeGreaterThan(1_000_000);
    await db.destroy();
  });
});
