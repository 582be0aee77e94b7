import type { ProfileView } from '@kith/schemas';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeEachDatabase } from './support/databases.ts';
import { requestJson } from './support/http.ts';
import { openTestVault, type TestVault } from './support/test-vault.ts';

// More vendors than one multi-row INSERT takes (512), and not a multiple of it.
const VENDORS = 1_200;
const DAY = 86_400_000;

describeEachDatabase('fan-out: one profile change held by many vendors', (database) => {
  let tv: TestVault;
  let ownerId: string;
  let cookie: string;
  const clientId = (n: number) => `https://vendor-${n}.example/kith.json`;

  beforeAll(async () => {
    tv = await openTestVault(database());
    ({
      owner: { id: ownerId },
      cookie,
    } = await tv.signedInOwner());
    // Vendor 0 holds two grants on the email; one more vendor holds only the name.
    const grant = (id: string, client: string, fields: string[]) => ({
      id,
      owner_id: ownerId,
      client_id: client,
      subject: `sub_${client}`,
      fields: JSON.stringify(fields),
      purpose: 'service_provision',
      contact: null,
      created_at: tv.clock.now(),
      expires_at: tv.clock.now() + 365 * DAY,
      collected_at: tv.clock.now(),
      jkt: null,
      token_hash: null,
      receipt: null,
      revoked_at: null,
      revoked_by: null,
    });
    await tv.vault.db
      .insertInto('grants')
      .values([
        ...Array.from({ length: VENDORS }, (_, n) => grant(`grt_${n}`, clientId(n), ['name', 'email'])),
        grant('grt_second', clientId(0), ['email']),
        grant('grt_name_only', clientId(VENDORS), ['name']),
      ])
      .execute();
  });
  afterAll(() => tv?.close());

  it('writes exactly one profile.updated and one pending delivery per vendor holding the field', async () => {
    const res = await requestJson<ProfileView>(tv.app, '/v1/me/profile', {
      method: 'PATCH',
      cookie,
      json: { email: 'ada@example.com' },
    });
    expect(res.status).toBe(200);

    const rows = await tv.vault.db
      .selectFrom('events')
      .innerJoin('deliveries', 'deliveries.event_id', 'events.id')
      .select(['events.client_id', 'events.type', 'events.payload', 'events.created_at'])
      .select(['deliveries.status', 'deliveries.attempts', 'deliveries.next_attempt_at'])
      .where('events.owner_id', '=', ownerId)
      .execute();
    expect(rows).toHaveLength(VENDORS);
    expect(await tv.vault.db.selectFrom('deliveries').select('event_id').execute()).toHaveLength(VENDORS);
    const byVendor = new Map(rows.map((row) => [row.client_id, row]));
    expect(byVendor.size).toBe(VENDORS);
    expect(byVendor.has(clientId(VENDORS))).toBe(false);
    for (const [client, row] of byVendor) {
      expect(row).toMatchObject({
        type: 'profile.updated',
        created_at: tv.clock.now(),
        status: 'pending',
        attempts: 0,
        next_attempt_at: tv.clock.now(),
      });
      const n = Number(/vendor-(\d+)\./.exec(client)?.[1]);
      const data = JSON.parse(row.payload) as { grant_ids: string[] };
      expect({ ...data, grant_ids: data.grant_ids.sort() }).toEqual({
        sub: `sub_${client}`,
        grant_ids: n === 0 ? ['grt_0', 'grt_second'] : [`grt_${n}`],
        fields: ['email'],
        version: res.body.version,
      });
    }
  });
});
