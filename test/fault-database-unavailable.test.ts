import { createDpopProof } from '@kith/client';
import pg from 'pg';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { verifyAccessLog } from '../server/src/audit/audit.service.ts';
import { SESSION_COOKIE } from '../server/src/http/session-cookie.ts';
import { readProfile } from '../server/src/profile/profile.service.ts';
import { countRows } from './support/count-rows.ts';
import { describeEachDatabase, describeOnPostgres, type TestDatabase } from './support/databases.ts';
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

/** What one redeem answered, and in which order answers came in. */
interface Answer {
  status: number;
  code: string | undefined;
  retryAfter: string | null;
  order: number;
}

// PostgreSQL locks rows, not the whole database: a row held outside Kith must hold up only the
// redeems that need it, not every owner's in the same group (SQLite's one write lock has no such part).
describeOnPostgres('a row held outside Kith holds up only its own redeems', (database) => {
  let vault: LiveVault;
  let shop: TestVendor;
  let florist: TestVendor;
  let held: { cookie: string; owner: { id: string } };
  let free: { cookie: string; owner: { id: string } };
  let dataUrl: string;

  beforeAll(async () => {
    vault = await startLiveVault(database(), { env: { KITH_LOCK_TIMEOUT_MS: '1000' } });
    shop = await startTestVendor({ vault: vault.url });
    florist = await startTestVendor({ vault: vault.url });
    held = await vault.signedInOwner();
    free = await vault.signedInOwner();
    for (const [owner, email] of [
      [held, 'held@example.com'],
      [free, 'free@example.com'],
    ] as const) {
      await requestJson(vault.app, '/v1/me/profile', {
        method: 'PATCH',
        cookie: owner.cookie,
        json: { email },
      });
    }
    dataUrl = `${vault.url}/v1/data`;
  });
  afterAll(async () => {
    await florist?.stop();
    await shop?.stop();
    await vault?.stop();
  });

  it("answers the free owners' redeems without waiting for the held rows, and the held ones 503 until they are let go", async () => {
    const ofHeldOwner = await grantThroughSdk(vault, shop, held, ['email']);
    const ofFreeOwner = await grantThroughSdk(vault, shop, free, ['email']);
    // The free owner's other grant, whose own row is the one held.
    const heldGrant = await grantThroughSdk(vault, florist, free, ['email']);
    let answered = 0;
    const send = async (vendor: TestVendor, grant: string): Promise<Answer> => {
      const dpop = await createDpopProof({
        key: vendor.key,
        htm: 'GET',
        htu: dataUrl,
        accessToken: grant,
        now: Date.now(),
      });
      const res = await fetch(dataUrl, { headers: { authorization: `DPoP ${grant}`, dpop } });
      const body = (await res.json()) as { code?: string };
      return {
        status: res.status,
        code: body.code,
        retryAfter: res.headers.get('retry-after'),
        order: answered++,
      };
    };
    const wave = (counts: { held: number; free: number }) =>
      Promise.all([
        Promise.all(
          Array.from({ length: counts.held }, (_, i) =>
            i % 2 ? send(florist, heldGrant.grant) : send(shop, ofHeldOwner.grant),
          ),
        ),
        Promise.all(Array.from({ length: counts.free }, () => send(shop, ofFreeOwner.grant))),
      ]);
    const logBefore = await count(vault, 'access_log');
    const jtisBefore = await count(vault, 'dpop_proof_jtis');

    const other = new pg.Client({ connectionString: database().url });
    await other.connect();
    await other.query('BEGIN');
    await other.query('SELECT id FROM owners WHERE id = $1 FOR UPDATE', [held.owner.id]);
    await other.query('SELECT id FROM grants WHERE id = $1 FOR UPDATE', [heldGrant.grantId]);
    let first: [Answer[], Answer[]];
    let second: [Answer[], Answer[]];
    try {
      // The first time, whatever group meets a held row waits out the lock timeout; then the
      // free redeems of that group are answered and the held ones are not.
      first = await wave({ held: 4, free: 4 });
      // From then on the held grants' redeems wait in a lane of their own: the free ones do not wait.
      answered = 0;
      second = await wave({ held: 4, free: 4 });
    } finally {
      await other.query('ROLLBACK');
      await other.end();
    }

    const unavailable = { status: 503, code: 'SERVICE_UNAVAILABLE', retryAfter: '1' };
    const ok = { status: 200, code: undefined, retryAfter: null };
    for (const [heldAnswers, freeAnswers] of [first, second] as const) {
      expect(heldAnswers.map(({ order, ...a }) => a)).toEqual(Array(4).fill(unavailable));
      expect(freeAnswers.map(({ order, ...a }) => a)).toEqual(Array(4).fill(ok));
    }
    // Every free redeem of the second wave came back before any held one.
    const [heldSecond, freeSecond] = second;
    expect(Math.max(...freeSecond.map((a) => a.order))).toBeLessThan(
      Math.min(...heldSecond.map((a) => a.order)),
    );
    // Only the free redeems were logged and spent their proofs; the held ones' proofs were given back.
    expect(await count(vault, 'access_log')).toBe(logBefore + 8);
    expect(await count(vault, 'dpop_proof_jtis')).toBe(jtisBefore + 8);

    // Let go, both held grants read again, through the SDK as ever.
    expect(await shop.client.redeem(ofHeldOwner.grant)).toMatchObject({
      fields: { email: 'held@example.com' },
    });
    expect(await florist.client.redeem(heldGrant.grant)).toMatchObject({
      fields: { email: 'free@example.com' },
    });
    for (const owner of [held, free])
      expect(await verifyAccessLog(vault.vault.db, owner.owner.id)).toMatchObject({ ok: true });
  }, 30_000);

  it('once a grant is found held, puts its redeems in groups of their own, so a redeem that comes with them does not wait', async () => {
    const { redeems } = vault.vault;
    const presented = async (grantId: string) => {
      const row = await vault.vault.db
        .selectFrom('grants')
        .select(['token_hash', 'owner_id'])
        .where('id', '=', grantId)
        .executeTakeFirstOrThrow();
      return { grantId, tokenHash: row.token_hash ?? '', jti: undefined, ownerId: row.owner_id };
    };
    const ofHeldOwner = await presented((await grantThroughSdk(vault, shop, held, ['email'])).grantId);
    const ofFreeOwner = await presented((await grantThroughSdk(vault, shop, free, ['email'])).grantId);
    // Straight to the redeem groups, in one turn of the event loop: so into one group, unless a lane
    // of its own takes the held grant's. Each reads its grant and owner, and writes nothing.
    const read = (grant: typeof ofHeldOwner) => {
      const outcome = { settled: false, answer: undefined as unknown };
      const reading = redeems
        .run(grant, async (store) => {
          const found = await store.lockGrant(grant.grantId);
          return { grant: found?.id, owner: (await store.lockOwnerWithFields(grant.ownerId))?.owner.id };
        })
        .then(
          (value) => ({ value }),
          (error: { code?: string }) => ({ code: error.code }),
        )
        .then((answer) => {
          outcome.settled = true;
          outcome.answer = answer;
          return answer;
        });
      return { outcome, reading };
    };
    const bothAtOnce = () => [read(ofHeldOwner), read(ofFreeOwner)] as const;
    const readOk = (grant: typeof ofHeldOwner) => ({ value: { grant: grant.grantId, owner: grant.ownerId } });

    const other = new pg.Client({ connectionString: database().url });
    await other.connect();
    await other.query('BEGIN');
    await other.query('SELECT id FROM owners WHERE id = $1 FOR UPDATE', [held.owner.id]);
    try {
      // Met in one group: both wait out the lock timeout; the group is sent again without the held one.
      const [heldFirst, freeFirst] = bothAtOnce();
      expect(await freeFirst.reading).toEqual(readOk(ofFreeOwner));
      expect(await heldFirst.reading).toEqual({ code: '55P03' });

      // Now the held grant's redeem waits in its own lane, and the free one is read meanwhile.
      const [heldAgain, freeAgain] = bothAtOnce();
      expect(await freeAgain.reading).toEqual(readOk(ofFreeOwner));
      expect(heldAgain.outcome.settled).toBe(false);
      expect(await heldAgain.reading).toEqual({ code: '55P03' });
    } finally {
      await other.query('ROLLBACK');
      await other.end();
    }
    // Let go, the held grant's next redeem gets through (and takes it off the held lane).
    const [heldAfter, freeAfter] = bothAtOnce();
    expect([await heldAfter.reading, await freeAfter.reading]).toEqual([
      readOk(ofHeldOwner),
      readOk(ofFreeOwner),
    ]);
  }, 30_000);
});

function count(vault: LiveVault, table: 'access_log' | 'dpop_proof_jtis'): Promise<number> {
  return countRows(vault.vault.db, table);
}
