/**
 * A real vault for integration tests: a real database (SQLite file or a
 * PostgreSQL database from the throwaway cluster), the real app, a frozen
 * clock, and logs captured in memory so tests can read what was logged.
 */
import { randomBytes } from 'node:crypto';
import { Writable } from 'node:stream';
import {
  type Config,
  createApp,
  createLogger,
  type KithApp,
  loadConfig,
  openVault,
  type Vault,
} from '@kith/server';
import { SESSION_COOKIE } from '../../server/src/http/session-cookie.ts';
import { ensureSigningKeys } from '../../server/src/keys/signing-key.service.ts';
import { createOwner, type Owner } from '../../server/src/owners/owner.service.ts';
import { startSession } from '../../server/src/owners/session.service.ts';
import type { TestDatabase } from './databases.ts';

export interface TestClock {
  now(): number;
  advance(ms: number): void;
}

export interface TestVault {
  app: KithApp;
  vault: Vault;
  config: Config;
  clock: TestClock;
  /** Every log line written so far, as raw JSON text. */
  logs: string[];
  masterKey: string;
  /** Creates an owner and a session for it; the cookie header signs requests in. */
  signedInOwner(name?: string): Promise<{ owner: Owner; cookie: string }>;
  close(): Promise<void>;
}

/** A fixed start time: 2026-03-01T09:00:00Z. */
export const FROZEN_NOW = Date.UTC(2026, 2, 1, 9, 0, 0);

/**
 * Opens a vault on `database` and builds the app around it.
 *
 * @example
 * const tv = await openTestVault(database());
 * const { cookie } = await tv.signedInOwner();
 * const res = await tv.app.request('/v1/me/profile', { headers: { cookie } });
 */
export async function openTestVault(
  database: TestDatabase,
  options: { masterKey?: string; env?: Record<string, string>; realClock?: boolean } = {},
): Promise<TestVault> {
  const masterKey = options.masterKey ?? randomBytes(32).toString('base64');
  const config = loadConfig(
    { KITH_DATABASE_URL: database.url, KITH_MASTER_KEY: masterKey, KITH_LOG_LEVEL: 'debug', ...options.env },
    process.cwd(),
  );
  // Tests that talk to real clients (the SDK, a browser) need real time: their
  // proofs and assertions carry it. The rest freeze it.
  let offset = 0;
  let now = FROZEN_NOW;
  const clock: TestClock = options.realClock
    ? {
        now: () => Date.now() + offset,
        advance: (ms) => {
          offset += ms;
        },
      }
    : {
        now: () => now,
        advance: (ms) => {
          now += ms;
        },
      };
  const logs: string[] = [];
  const sink = new Writable({
    write(chunk, _encoding, done) {
      logs.push(String(chunk));
      done();
    },
  });
  const logger = createLogger(config.logLevel, sink);
  const vault = await openVault(config, logger);
  // As `kith serve` does before serving.
  await ensureSigningKeys({ ...vault, clock, config });
  const app = createApp({ ...vault, clock, logger, config });
  let owners = 0;
  return {
    app,
    vault,
    config,
    clock,
    logs,
    masterKey,
    async signedInOwner(name = `owner-${++owners}-${randomBytes(3).toString('hex')}`) {
      const deps = { db: vault.db, keys: vault.keys, clock, config };
      const owner = await createOwner(deps, { name });
      const { token } = await startSession(deps, { ownerId: owner.id, userAgent: 'vitest' });
      return { owner, cookie: `${SESSION_COOKIE}=${token}` };
    },
    close: () => vault.close(),
  };
}
