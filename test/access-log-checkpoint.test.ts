import { afterAll, beforeAll, expect, it } from 'vitest';
import { type AccessLogStatus, verifyAccessLogFully } from '../server/src/audit/access-log-verifier.ts';
import { appendAccessLog, chainAccessLogEntry } from '../server/src/audit/audit.service.ts';
import { appendChainedEntries } from './support/access-log-seed.ts';
import { describeEachDatabase } from './support/databases.ts';
import { requestJson } from './support/http.ts';
import { openTestVault, type TestVault } from './support/test-vault.ts';

describeEachDatabase('the access log, verified from a checkpoint', (database) => {
  let tv: TestVault;
  beforeAll(async () => {
    tv = await openTestVault(database());
  });
  afterAll(() => tv?.close());

  const verifier = () => tv.vault.accessLogVerifier;
  const status = (ownerId: string) => verifier().status({ clock: tv.clock }, ownerId);
  const checkpoint = (ownerId: string) =>
    tv.vault.db
      .selectFrom('access_log_checkpoints')
      .selectAll()
      .where('owner_id', '=', ownerId)
      .executeTakeFirst();
  const append = (ownerId: string, n: number) =>
    appendChainedEntries(tv.vault.db, database().kind, ownerId, n, { startAt: tv.clock.now() });
  /** Rows the verifier read while a caller waited, during `work`. */
  async function readOnRequest<T>(work: () => Promise<T>): Promise<{ result: T; rows: number }> {
    const before = verifier().stats.onRequest;
    const result = await work();
    return { result, rows: verifier().stats.onRequest - before };
  }
  async function ownerWith(n: number) {
    const signedIn = await tv.signedInOwner();
    if (n > 0) await append(signedIn.owner.id, n);
    return signedIn;
  }
  /** Rewrites entries from `seq` on with the detail changed and every hash recomputed, head included. */
  async function rewriteFrom(ownerId: string, seq: number) {
    const rows = await tv.vault.db
      .selectFrom('access_log')
      .selectAll()
      .where('owner_id', '=', ownerId)
      .where('seq', '>=', seq - 1)
      .orderBy('seq')
      .execute();
    const [before, ...rest] = rows;
    if (!before) throw new Error('nothing to rewrite');
    const head = { audit_seq: before.seq, audit_hash: before.hash };
    if (seq === 1) Object.assign(head, { audit_seq: 0, audit_hash: '' });
    for (const row of seq === 1 ? rows : rest) {
      const next = chainAccessLogEntry(head, {
        ownerId,
        at: row.at,
        action: 'data.read',
        clientId: row.client_id,
        grantId: row.grant_id,
        detail: { fields: [] },
      });
      await tv.vault.db
        .updateTable('access_log')
        .set({ detail: next.detail, prev_hash: next.prev_hash, hash: next.hash })
        .where('owner_id', '=', ownerId)
        .where('seq', '=', row.seq)
        .execute();
      head.audit_seq = next.seq;
      head.audit_hash = next.hash;
    }
    await tv.vault.db.updateTable('owners').set(head).where('id', '=', ownerId).execute();
  }

  it('verifies a short new stretch before answering, and afterwards only what was added since', async () => {
    const { owner } = await ownerWith(10);
    const first = await readOnRequest(() => status(owner.id));
    expect(first.result).toMatchObject({ ok: true, entries: 10 });
    expect(first.rows).toBe(10);
    expect(await checkpoint(owner.id)).toMatchObject({ seq: 10, broken_at: null });

    await append(owner.id, 5);
    const second = await readOnRequest(() => status(owner.id));
    expect(second.result).toMatchObject({ ok: true, entries: 15 });
    // The checkpoint's own entry, then the five new ones: not the ten verified before.
    expect(second.rows).toBe(1 + 5);
    expect((await checkpoint(owner.id))?.seq).toBe(15);

    const unchanged = await readOnRequest(() => status(owner.id));
    expect(unchanged).toMatchObject({ result: { ok: true, entries: 15 }, rows: 1 });
  });

  it('goes on from where live appends leave the chain, and says so for an empty log', async () => {
    const { owner } = await ownerWith(0);
    expect(await status(owner.id)).toEqual({ ok: true, entries: 0, head: '' });
    await tv.vault.db
      .transaction()
      .execute((trx) =>
        appendAccessLog(trx, { ownerId: owner.id, at: tv.clock.now(), action: 'grant.approved' }),
      );
    await append(owner.id, 3);
    expect(await status(owner.id)).toMatchObject({ ok: true, entries: 4 });
  });

  it('never reports a break while views and live appends interleave', async () => {
    const { owner } = await ownerWith(0);
    const appendOne = () =>
      tv.vault.db
        .transaction()
        .execute((trx) =>
          appendAccessLog(trx, { ownerId: owner.id, at: tv.clock.now(), action: 'data.read', clientId: 'x' }),
        );
    for (let round = 0; round < 20; round++) {
      const results = await Promise.all([appendOne(), status(owner.id), appendOne(), status(owner.id)]);
      for (const result of results) if (result) expect(result).toMatchObject({ ok: true });
    }
    expect(await status(owner.id)).toMatchObject({ ok: true, entries: 40 });
  });

  it('checks a long stretch in the background: the page says "checking", then "intact"', async () => {
    const { owner, cookie } = await ownerWith(3_500);
    const page = async () => (await tv.app.request('/activity', { headers: { cookie } })).text();

    const first = await readOnRequest(page);
    expect(first.result).toContain('Checking your log');
    expect(first.rows).toBe(0);
    const api = await requestJson<AccessLogStatus>(tv.app, '/v1/me/access-log/verify', { cookie });
    expect(api.body).toMatchObject({ ok: null, checking: true, entries: 3_500 });

    await verifier().idle();
    expect(await checkpoint(owner.id)).toMatchObject({ seq: 3_500, broken_at: null });
    const after = await readOnRequest(page);
    expect(after.result).toContain('Your log is intact');
    expect(after.result).toContain('All 3500 entries');
    expect(after.rows).toBe(1);
    const verified = await requestJson(tv.app, '/v1/me/access-log/verify', { cookie });
    expect(verified.body).toMatchObject({ ok: true, entries: 3_500 });
  });

  it('finds an entry altered after the checkpoint, and keeps saying so', async () => {
    const { owner } = await ownerWith(6);
    await status(owner.id);
    await append(owner.id, 4);
    await tv.vault.db
      .updateTable('access_log')
      .set({ detail: '{"fields":["name"]}' })
      .where('owner_id', '=', owner.id)
      .where('seq', '=', 8)
      .execute();
    const broken = { ok: false, brokenAt: 8, reason: 'the entry was altered' };
    expect(await status(owner.id)).toMatchObject(broken);
    expect(await status(owner.id)).toMatchObject(broken);
  });

  it('finds a chain rewritten at or before the checkpoint with its hashes recomputed', async () => {
    const { owner } = await ownerWith(8);
    await status(owner.id);
    await rewriteFrom(owner.id, 3);
    expect(await status(owner.id)).toMatchObject({
      ok: false,
      brokenAt: 8,
      reason: 'the chain was rewritten at or before this entry',
    });
  });

  it('finds entries dropped after the checkpoint, and a head moved back behind it', async () => {
    const dropped = await ownerWith(5);
    await status(dropped.owner.id);
    await append(dropped.owner.id, 3);
    await tv.vault.db
      .deleteFrom('access_log')
      .where('owner_id', '=', dropped.owner.id)
      .where('seq', '>', 6)
      .execute();
    expect(await status(dropped.owner.id)).toMatchObject({ ok: false, brokenAt: 7 });

    const rolledBack = await ownerWith(5);
    await status(rolledBack.owner.id);
    await rewriteFrom(rolledBack.owner.id, 1);
    await tv.vault.db
      .deleteFrom('access_log')
      .where('owner_id', '=', rolledBack.owner.id)
      .where('seq', '>', 3)
      .execute();
    const third = await tv.vault.db
      .selectFrom('access_log')
      .select('hash')
      .where('owner_id', '=', rolledBack.owner.id)
      .where('seq', '=', 3)
      .executeTakeFirstOrThrow();
    await tv.vault.db
      .updateTable('owners')
      .set({ audit_seq: 3, audit_hash: third.hash })
      .where('id', '=', rolledBack.owner.id)
      .execute();
    expect(await status(rolledBack.owner.id)).toMatchObject({ ok: false, brokenAt: 4 });
  });

  it('leaves an entry before the checkpoint altered in place to the full check, which records it for the pages', async () => {
    const { owner } = await ownerWith(6);
    await status(owner.id);
    await tv.vault.db
      .updateTable('access_log')
      .set({ detail: '{"fields":["name"]}' })
      .where('owner_id', '=', owner.id)
      .where('seq', '=', 2)
      .execute();
    // Only a walk that rehashes every entry can see this one; the pages go on from the checkpoint.
    expect(await status(owner.id)).toMatchObject({ ok: true, entries: 6 });
    const deps = { db: tv.vault.db, clock: tv.clock };
    expect(await verifyAccessLogFully(deps, owner.id)).toMatchObject({ ok: false, brokenAt: 2 });
    expect(await status(owner.id)).toMatchObject({ ok: false, brokenAt: 2, reason: 'the entry was altered' });

    // Put back as it was, the full check finds the chain whole and the pages say so again.
    await tv.vault.db
      .updateTable('access_log')
      .set({ detail: JSON.stringify({ fields: ['email'], version: 1 }) })
      .where('owner_id', '=', owner.id)
      .where('seq', '=', 2)
      .execute();
    expect(await verifyAccessLogFully(deps, owner.id)).toMatchObject({ ok: true, entries: 6 });
    expect(await status(owner.id)).toMatchObject({ ok: true, entries: 6 });
  });
});
