import { type CollectedGrant, isKithClientError } from '@kith/client';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { countRows } from './support/count-rows.ts';
import { describeEachDatabase } from './support/databases.ts';
import { requestJson } from './support/http.ts';
import { type LiveVault, startLiveVault } from './support/live-vault.ts';
import { grantThroughSdk, startTestVendor, type TestVendor } from './support/vendor.ts';

const DAY = 86_400_000;

async function codeOf(promise: Promise<unknown>): Promise<string | undefined> {
  try {
    await promise;
    return undefined;
  } catch (error) {
    if (isKithClientError(error)) return error.code;
    throw error;
  }
}

describeEachDatabase('a grant past its expiry answers GRANT_EXPIRED, and nothing is written', (database) => {
  let vault: LiveVault;
  let shop: TestVendor;
  let grant: CollectedGrant;
  let sharedGrantId: string;

  beforeAll(async () => {
    vault = await startLiveVault(database());
    // The vendor keeps the vault's time: its proofs are fresh after the clock moves on.
    shop = await startTestVendor({ vault });
    const owner = await vault.signedInOwner();
    await requestJson(vault.app, '/v1/me/profile', {
      method: 'PATCH',
      cookie: owner.cookie,
      json: { email: 'ada@example.com' },
    });
    grant = await grantThroughSdk(vault, shop, owner, ['email']);
    const shared = await requestJson<{ grants: { id: string }[] }>(vault.app, '/v1/me/grants/share', {
      method: 'POST',
      cookie: owner.cookie,
      json: { clientIds: [shop.clientId], fields: ['email'], purpose: 'delivery', durationSeconds: 86_400 },
    });
    expect(shared.status).toBe(201);
    sharedGrantId = shared.body.grants[0]?.id as string;
    // Live until now: the same calls succeed before the clock moves on.
    expect(await shop.client.redeem(grant.grant)).toMatchObject({ fields: { email: 'ada@example.com' } });
    vault.clock.advance(31 * DAY);
  });
  afterAll(async () => {
    await shop?.stop();
    await vault?.stop();
  });

  const rows = async () => {
    const db = vault.vault.db;
    const count = (table: 'access_log' | 'contact_events' | 'grants') => countRows(db, table);
    const revoked = await db.selectFrom('grants').select('id').where('revoked_at', 'is not', null).execute();
    return {
      access: await count('access_log'),
      contacts: await count('contact_events'),
      revoked: revoked.length,
    };
  };

  const refusals: [string, () => Promise<unknown>][] = [
    ['redeeming it', () => shop.client.redeem(grant.grant)],
    ['relinquishing it', () => shop.client.relinquish(grant.grant)],
    [
      'checking a contact with it',
      () => shop.client.canContact(grant.grant, { channel: 'email', purpose: 'service' }),
    ],
    [
      'recording a contact with it',
      () => shop.client.recordContact(grant.grant, { channel: 'email', purpose: 'service' }),
    ],
    ['collecting a shared grant', () => shop.client.collectGrant({ grantId: sharedGrantId })],
  ];
  for (const [name, call] of refusals) {
    it(`refuses ${name}`, async () => {
      const before = await rows();
      expect(await codeOf(call())).toBe('GRANT_EXPIRED');
      expect(await rows()).toEqual(before);
    });
  }
});
