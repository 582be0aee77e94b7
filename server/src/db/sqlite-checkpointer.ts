import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';

/** A background WAL checkpointer; `stop` ends it and waits for its thread. */
export interface SqliteCheckpointer {
  stop(): Promise<void>;
}

/** How often the checkpointer copies the WAL into the database file. */
export const CHECKPOINT_INTERVAL_MS = 200;

// Runs in its own thread with its own connection. PASSIVE never waits for a
// reader or writer: it copies what it can and leaves the rest for the next
// turn, so the request thread never stalls on it. A failed turn (the file
// busy, a disk hiccup) is simply tried again.
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.driver);
const db = new Database(workerData.path);
db.pragma('busy_timeout = 0');
const timer = setInterval(() => {
  try { db.pragma('wal_checkpoint(PASSIVE)'); } catch {}
}, workerData.intervalMs);
parentPort.on('message', () => {
  clearInterval(timer);
  db.close();
  parentPort.close();
});
`;

/**
 * Moves SQLite's WAL checkpoints off the request thread. In WAL mode every
 * commit appends to the `-wal` file, and by default the commit that crosses
 * 1,000 pages copies them into the database and syncs it — inside that
 * request. With this running, the app's connection only checkpoints as a
 * fallback (`wal_autocheckpoint`, set by the caller, far above what the
 * thread lets build up).
 *
 * @example
 * const checkpointer = startSqliteCheckpointer('./kith.sqlite');
 * await checkpointer.stop();
 */
export function startSqliteCheckpointer(
  path: string,
  intervalMs: number = CHECKPOINT_INTERVAL_MS,
): SqliteCheckpointer {
  const driver = createRequire(import.meta.url).resolve('better-sqlite3');
  const worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { driver, path, intervalMs } });
  // Never keeps the process alive on its own, and never takes it down.
  worker.unref();
  worker.on('error', () => {});
  const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
  return {
    async stop() {
      // Held again while it winds down: a process waiting only for this must not exit half-way.
      worker.ref();
      worker.postMessage('stop');
      await exited;
    },
  };
}
