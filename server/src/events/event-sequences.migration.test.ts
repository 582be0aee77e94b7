import { sql } from 'kysely';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeEachDatabase } from '../../../test/support/databases.ts';
import { openTestVault, type TestVault } from '../../../test/support/test-vault.ts';
import { migrateDown, migrateToLatest } from '../db/migrate.ts';
import { emitEvent } from './event.service.ts';

describeEachDatabase('upgrading to numbered events', (database) => {
  let tv: TestVault;
  let ownerId: string;

  beforeAll(async () => {
    tv = await openTestVault(database());
    ownerId = (await tv.signedInOwner()).owner.id;
  });
  afterAll(() => tv?.close());

  it('numbers the events already in the outbox per vendor, oldest first, and carries on from there', async () => {
    const { db } = tv.vault;
    // Down to just before it, whatever came after it.
    const undone: string[] = [];
    for (let i = 0; i < 10 && !undone.includes('down 2026-12-04T18-00-event-sequences'); i++) {
      undone.push(...(await migrateDown(db)));
    }
    expect(undone.at(-1)).toBe('down 2026-12-04T18-00-event-sequences');
    // Written before the upgrade: no sequence column yet.
    const old = [
      ['evt_b', 'https://a.example/c.json', 20],
      ['evt_a', 'https://a.example/c.json', 20],
      ['evt_c', 'https://a.example/c.json', 10],
      ['evt_d', 'https://b.example/c.json', 30],
    ] as const;
    for (const [id, clientId, at] of old) {
      await sql`INSERT INTO events (id, owner_id, client_id, type, payload, created_at)
        VALUES (${id}, ${ownerId}, ${clientId}, 'grant.revoked', '{}', ${at})`.execute(db);
    }
    expect(await migrateToLatest(db)).toContain('up 2026-12-04T18-00-event-sequences');

    const numbered = await db.selectFrom('events').select(['id', 'sequence']).orderBy('id').execute();
    expect(numbered.map((r) => [r.id, Number(r.sequence)])).toEqual([
      ['evt_a', 2],
      ['evt_b', 3],
      ['evt_c', 1],
      ['evt_d', 1],
    ]);
    const next = await db.transaction().execute((trx) =>
      emitEvent(trx, {
        ownerId,
        clientId: 'https://a.example/c.json',
        type: 'grant.revoked',
        data: { sub: 's', grant_id: 'g', revoked_by: 'owner' },
        at: 40,
      }),
    );
    const row = await db
      .selectFrom('events')
      .select('sequence')
      .where('id', '=', next)
      .executeTakeFirstOrThrow();
    expect(Number(row.sequence)).toBe(4);
  });
});
