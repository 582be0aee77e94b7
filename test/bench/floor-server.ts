/**
 * The floor: the least any server could do for a DPoP-bound read that keeps
 * RFC 9449's rules durably, on the same stack as the bare route. Per
 * `GET /v1/data` it checks the proof's Ed25519 signature with libsodium (the
 * verifier Kith uses, here on the event loop: no hand-off to pay for) and
 * spends the proof's `jti` in SQLite, answering only once that row is durable
 * — the requests of one event-loop turn in one transaction, the WAL synced on
 * libuv's pool, as Kith's group commit does. Then the same JSON as the bare
 * route. No grant, no owner, no fields, no log, no middleware: everything
 * Kith's redeem does on top of this is the redeem's own work.
 *
 * Run as its own process by the benchmark:
 * `node --import tsx test/bench/floor-server.ts PORT DIR` with the body in `BENCH_BODY`.
 */
import { createHash } from 'node:crypto';
import { fsync, openSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { serve } from '@hono/node-server';
import { Hono } from 'hono';

interface Statement {
  run(...values: unknown[]): { changes: number };
}
interface Sqlite {
  prepare(source: string): Statement;
  exec(source: string): void;
}

// Both are the server's dependencies (the test package has neither): loaded from there.
const serverRequire = createRequire(new URL('../../server/package.json', import.meta.url));
const BetterSqlite3 = serverRequire('better-sqlite3') as new (path: string) => Sqlite;
const sodium = serverRequire('sodium-native') as {
  crypto_sign_verify_detached(signature: Buffer, message: Buffer, publicKey: Buffer): boolean;
};

const port = Number(process.argv[2]);
const dir = process.argv[3] as string;
const body = JSON.parse(process.env.BENCH_BODY ?? '{}') as Record<string, unknown>;

const path = join(dir, `floor-${port}.sqlite`);
const sqlite = new BetterSqlite3(path);
sqlite.exec('PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL');
sqlite.exec('CREATE TABLE IF NOT EXISTS spent (jti_hash TEXT PRIMARY KEY, expires_at INTEGER NOT NULL)');
const spend = sqlite.prepare('INSERT INTO spent (jti_hash, expires_at) VALUES (?, ?) ON CONFLICT DO NOTHING');
const begin = sqlite.prepare('BEGIN IMMEDIATE');
const commit = sqlite.prepare('COMMIT');
const walFd = openSync(`${path}-wal`, 'r+');
const fsyncAsync = promisify(fsync);

interface Pending {
  jtiHash: string;
  expiresAt: number;
  done: (fresh: boolean) => void;
}
let queue: Pending[] = [];
let scheduled = false;

/** Every `jti` of the turn in one transaction, answered once the WAL is synced. */
async function flush(): Promise<void> {
  scheduled = false;
  const group = queue;
  queue = [];
  begin.run();
  const fresh = group.map((p) => spend.run(p.jtiHash, p.expiresAt).changes === 1);
  commit.run();
  await fsyncAsync(walFd);
  for (const [i, p] of group.entries()) p.done(fresh[i] as boolean);
}

function spendJti(jtiHash: string, expiresAt: number): Promise<boolean> {
  return new Promise((done) => {
    queue.push({ jtiHash, expiresAt, done });
    if (scheduled) return;
    scheduled = true;
    setImmediate(() => void flush());
  });
}

const app = new Hono();
app.get('/healthz', (c) => c.json({ ok: true }));
app.get('/v1/data', async (c) => {
  const [header, payload, signature] = (c.req.header('dpop') ?? '').split('.');
  if (!header || !payload || !signature) return c.json({ error: 'no proof' }, 401);
  const { jwk } = JSON.parse(Buffer.from(header, 'base64url').toString()) as { jwk: { x: string } };
  const claims = JSON.parse(Buffer.from(payload, 'base64url').toString()) as { jti: string; iat: number };
  const signed = Buffer.from(`${header}.${payload}`);
  if (
    !sodium.crypto_sign_verify_detached(
      Buffer.from(signature, 'base64url'),
      signed,
      Buffer.from(jwk.x, 'base64url'),
    )
  )
    return c.json({ error: 'bad signature' }, 401);
  const jtiHash = createHash('sha256').update(claims.jti).digest('base64url');
  if (!(await spendJti(jtiHash, claims.iat + 120))) return c.json({ error: 'replayed' }, 401);
  return c.json(body);
});

const server = serve({ fetch: app.fetch, port, hostname: '127.0.0.1' });
const stop = () => server.close(() => process.exit(0));
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
