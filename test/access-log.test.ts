import { afterAll, beforeAll, expect, it } from 'vitest';
import { appendAccessLog, listAccessLog, verifyAccessLog } from '../server/src/audit/audit.service.ts';
import { describeEachDatabase } from './support/databases.ts';
import { openTestVault, type TestVault } from './support/test-vault.ts';

describeEachDatabase('the access log hash chain', (database) => {
  let tv: TestVault;
  beforeAll(async () => {
    tv = await openTestVault(database());
  });
  afterAll(() => tv?.close());

  async function ownerWithEntries(n: number): Promise<string> {
    const { owner } = await tv.signedInOwner();
    for (let i = 0; i < n; i++) {
      await tv.vault.db.transaction().execute((trx) =>
        appendAccessLog(trx, {
          ownerId: owner.id,
          at: tv.clock.now() + i,
          action: 'data.read',
          clientId: 'https://shop.example/kith.json',
          grantId: `grt_${i}`,
          detail: { fields: ['email'] },
        }),
      );
    }
    return owner.id;
  }

  it('verifies an untouched chain and lists it newest first', async () => {
    const ownerId = await ownerWithEntries(5);
    expect(await verifyAccessLog(tv.vault.db, ownerId)).toMatchObject({ ok: true, entries: 5 });
    const entries = await listAccessLog(tv.vault.db, ownerId);
    expect(entries.map((e) => e.seq)).toEqual([5, 4, 3, 2, 1]);
  });

  it('keeps one unbroken chain under 40 concurrent appends', async () => {
    const { owner } = await tv.signedInOwner();
    await Promise.all(
      Array.from({ length: 40 }, (_, i) =>
        tv.vault.db.transaction().execute((trx) =>
          appendAccessLog(trx, {
            ownerId: owner.id,
            at: tv.clock.now(),
            action: 'data.read',
            grantId: `grt_${i}`,
          }),
        ),
      ),
    );
    expect(await verifyAccessLog(tv.vault.db, owner.id)).toMatchObject({ ok: true, entries: 40 });
  });

  it('catches an altered entry', async () => {
    const ownerId = await ownerWithEntries(4);
    await tv.vault.db
      .updateTable('access_log')
      .set({ detail: JSON.stringify({ fields: [] }) })
      .where('owner_id', '=', ownerId)
      .where('seq', '=', 2)
      .execute();
    expect(await verifyAccessLog(tv.vault.db, ownerId)).toMatchObject({
      ok: false,
      brokenAt: 2,
      reason: 'the entry was altered',
    });
  });

  it('catches a deleted entry in the middle', async () => {
    const ownerId = await ownerWithEntries(4);
    await tv.vault.db.deleteFrom('access_log').where('owner_id', '=', ownerId).where('seq', '=', 3).execute();
    expect(await verifyAccessLog(tv.vault.db, ownerId)).toMatchObject({ ok: false, brokenAt: 4 });
  });

  it('catches the newest entries dropped', async () => {
    const ownerId = await ownerWithEntries(4);
    await tv.vault.db
      .deleteFrom('access_log')
      .where('owner_id', '=', ownerId)
      .where('seq', '>=', 3)
      .execute();
    expect(await verifyAccessLog(tv.vault.db, ownerId)).toMatchObject({ ok: false });
  });

  it('catches a rewritten chain whose hashes were recomputed but whose head was not', async () => {
    const ownerId = await ownerWithEntries(3);
    const other = await ownerWithEntries(3);
    // Splice another owner's (valid) entries in: their hashes chain to another genesis.
    await tv.vault.db.deleteFrom('access_log').where('owner_id', '=', ownerId).execute();
    const rows = await tv.vault.db
      .selectFrom('access_log')
      .selectAll()
      .where('owner_id', '=', other)
      .execute();
    await tv.vault.db
      .insertInto('access_log')
      .values(rows.map((r) => ({ ...r, owner_id: ownerId })))
      .execute();
    expect(await verifyAccessLog(tv.vault.db, ownerId)).toMatchObject({ ok: false, brokenAt: 1 });
  });
});
