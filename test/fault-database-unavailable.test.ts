import { createDpopProof } from '@kith/client';
import pg from 'pg';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { verifyAccessLog } from '../server/src/audit/audit.service.ts';
import { SESSION_COOKIE } from '../server/src/http/session-cookie.ts';
import { readProfile } from '../server/src/profile/profile.service.ts';
import { countRows } from './support/count-rows.ts';
import { describeEachDatabase, type TestDatabase } from './support/databases.ts';
import { requestJson } from './support/http.ts';
import { type LiveVault, startLiveVault } from './support/live-vault.ts';
import { browserFor, sessionToken } from './support/page-browser.ts';
import { openSqliteFile } from './support/sqlite-file.ts';
import { grantThroughSdk, startTestVendor, type TestVendor } from './support/vendor.ts';

/**
 * Another process holding the owner's row (PostgreSQL) or the whole write lock (SQLite). Whatever
 * waits for it gives up after KITH_LOCK_TIMEOUT_MS (SQLite's busy timeout, the redeem pool's lock
 * timeout), unless cut.
 */
interface Holder {
  /** Ends the connection of everything that comes to wait for it, until `settled` (PostgreSQL; SQLite: nothing). */
  cutWaitersUntil(settled: Promise<unknown>): Promise<void>;
  release(): Promise<void>;
}

async function holdOwner(database: TestDatabase, ownerId: string): Promise<Holder> {
  if (database.kind === 'sqlite') {
    const other = openSqliteFile(database.url);
    other.exec('BEGIN IMMEDIATE');
    return {
      cutWaitersUntil: async () => {},
      release: async () => {
        other.exec('ROLLBACK');
        other.close();
      },
    };
  }
  const other = new pg.Client({ connectionString: database.url });
  await other.connect();
  await other.query('BEGIN');
  await other.query('SELECT id FROM owners WHERE id = $1 FOR UPDATE', [ownerId]);
  return {
    async cutWaitersUntil(settled) {
      // A transaction that waits for the owner's lock: cut it there, every one that comes, until every answer is in.
      let done = false;
      void settled.finally(() => {
        done = true;
      });
      let cut = 0;
      while (!done) {
        // Inside a transaction the activity view is read once; read it afresh.
        await other.query('SELECT pg_stat_clear_snapshot()');
        const { rows } = await other.query<{ pid: number }>(
          `SELECT pid FROM pg_stat_activity
            WHERE datname = current_database() AND wait_event_type = 'Lock' AND pid <> pg_backend_pid()`,
        );
        for (const { pid } of rows) await other.query('SELECT pg_terminate_backend($1)', [pid]);
        cut += rows.length;
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
      if (cut === 0) throw new Error('nothing came to wait for the owner');
    },
    async release() {
      await other.query('ROLLBACK');
      await other.end();
    },
  };
}

// The database fails requests half-way: a lock held elsewhere past the timeout (a redeem group,
// after spending its proofs' jtis), or PostgreSQL's connection cut inside the transaction (a page).
describeEachDatabase('requests the database fails half-way', (database) => {
  let vault: LiveVault;
  let shop: TestVendor;
  let owner: { cookie: string; owner: { id: string } };
  let dataUrl: string;

  beforeAll(async () => {
    // Whatever waits for a lock held elsewhere gives up after half a second here (5 s by default).
    vault = await startLiveVault(database(), { env: { KITH_LOCK_TIMEOUT_MS: '500' } });
    shop = await startTestVendor({ vault: vault.url });
    owner = await vault.signedInOwner();
    await requestJson(vault.app, '/v1/me/profile', {
      method: 'PATCH',
      cookie: owner.cookie,
      json: { email: 'fault@example.com' },
    });
    dataUrl = `${vault.url}/v1/data`;
  });
  afterAll(async () => {
    await shop?.stop();
    await vault?.stop();
  });

  const count = (table: 'access_log' | 'dpop_proof_jtis') => countRows(vault.vault.db, table);

  it('answers every redeem of a group that waited past the lock timeout 503 with Retry-After, writes none of it, and the same proofs redeem afterwards', async () => {
    const { grant } = await grantThroughSdk(vault, shop, owner, ['email']);
    const proofs = await Promise.all(
      Array.from({ length: 8 }, () =>
        createDpopProof({ key: shop.key, htm: 'GET', htu: dataUrl, accessToken: grant, now: Date.now() }),
      ),
    );
    const send = (dpop: string) => fetch(dataUrl, { headers: { authorization: `DPoP ${grant}`, dpop } });
    const logBefore = await count('access_log');
    const jtisBefore = await count('dpop_proof_jtis');

    const holder = await holdOwner(database(), owner.owner.id);
    let answers: Response[];
    try {
      // Not cut: each redeem group gives up on its own, after KITH_LOCK_TIMEOUT_MS.
      answers = await Promise.all(proofs.map(send));
    } finally {
      await holder.release();
    }

    const problems = await Promise.all(
      answers.map(async (res) => {
        const body = (await res.json()) as { code?: string; requestId?: string };
        return {
          status: res.status,
          type: res.headers.get('content-type'),
          retryAfter: res.headers.get('retry-after'),
          code: body.code,
          logged: vault.logs
            .map((line) => JSON.parse(line) as { msg?: string; requestId?: string; err?: { code?: string } })
            .some((l) => l.msg === 'database unavailable' && l.requestId === body.requestId && l.err?.code),
        };
      }),
    );
    expect(problems).toEqual(
      Array(8).fill({
        status: 503,
        type: 'application/problem+json',
        retryAfter: '1',
        code: 'SERVICE_UNAVAILABLE',
        // For the operator, by request id, with the driver's code.
        logged: true,
      }),
    );
    // Nothing of the group stayed: no entry logged, no jti spent.
    expect(await count('access_log')).toBe(logBefore);
    expect(await count('dpop_proof_jtis')).toBe(jtisBefore);

    // So the very same proofs are still good, once each; the SDK reads as ever.
    const again = await Promise.all(proofs.map(send));
    expect(again.map((res) => res.status)).toEqual(Array(8).fill(200));
    expect(await shop.client.redeem(grant)).toMatchObject({ fields: { email: 'fault@example.com' } });
    expect(await count('access_log')).toBe(logBefore + 9);
    expect(await verifyAccessLog(vault.vault.db, owner.owner.id)).toMatchObject({ ok: true });
  }, 30_000);

  it("shows the owner's page that it cannot answer now, keeps her profile, and saves once the database is back", async () => {
    const me = browserFor(vault, { [SESSION_COOKIE]: sessionToken(owner.cookie) });
    await me.get('/profile');
    const holder = await holdOwner(database(), owner.owner.id);
    let page: Awaited<ReturnType<typeof me.post>>;
    try {
      const saving = me.post('/profile/contact_details', { _csrf: me.token, email: 'moved@example.com' });
      await holder.cutWaitersUntil(saving);
      page = await saving;
    } finally {
      await holder.release();
    }
    expect([page.status, page.headers.get('retry-after')]).toEqual([503, '1']);
    expect(page.headers.get('content-type')).toMatch(/^text\/html/);
    expect(page.text).toContain('Your vault cannot answer right now');
    const deps = { db: vault.vault.db, keys: vault.vault.keys, clock: vault.clock, config: vault.config };
    expect((await readProfile(deps, owner.owner.id)).fields.email?.value).toBe('fault@example.com');

    const saved = await me.post('/profile/contact_details', { _csrf: me.token, email: 'moved@example.com' });
    expect(saved.status).toBe(303);
    expect((await readProfile(deps, owner.owner.id)).fields.email?.value).toBe('moved@example.com');
  }, 30_000);
});
