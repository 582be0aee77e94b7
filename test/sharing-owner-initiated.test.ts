import { type CollectedGrant, isKithClientError, type RedeemedData, verifyWebhook } from '@kith/client';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { DeliveryWorker } from '../server/src/events/delivery.service.ts';
import { describeEachDatabase } from './support/databases.ts';
import { requestJson } from './support/http.ts';
import { type LiveVault, startLiveDelivery, startLiveVault } from './support/live-vault.ts';
import { grantThroughSdk, startTestVendor, type TestVendor } from './support/vendor.ts';

const THIRTY_DAYS = 30 * 86400;
const NEW_ADDRESS = { street_address: '1 Crescent', locality: 'Bath', country: 'GB' };

describeEachDatabase('owner-initiated sharing: send my new address to these three', (database) => {
  let vault: LiveVault;
  let worker: DeliveryWorker;
  let owner: { cookie: string };
  let vendors: TestVendor[];
  let stranger: TestVendor;
  const first = new Map<TestVendor, CollectedGrant>();

  beforeAll(async () => {
    vault = await startLiveVault(database());
    worker = startLiveDelivery(vault, { pollIntervalMs: 20 });
    vendors = await Promise.all(
      ['Courier', 'Tailor', 'Bakery'].map((name) =>
        startTestVendor({ vault: vault.url, name, webhooks: true }),
      ),
    );
    stranger = await startTestVendor({ vault: vault.url, name: 'Stranger', webhooks: true });
    owner = await vault.signedInOwner();
    const patched = await requestJson(vault.app, '/v1/me/profile', {
      method: 'PATCH',
      cookie: owner.cookie,
      json: { email: 'ada@example.com', address: NEW_ADDRESS },
    });
    expect(patched.status).toBe(200);
    for (const vendor of [...vendors, stranger]) first.set(vendor, await granted(vendor, ['email']));
  });
  afterAll(async () => {
    await worker?.stop();
    await Promise.all([...(vendors ?? []), stranger].map((v) => v?.stop()));
    await vault?.stop();
  });

  const granted = (vendor: TestVendor, fields: string[]) => grantThroughSdk(vault, vendor, owner, fields);

  function share(clientIds: string[]) {
    return requestJson<{ grants: { id: string; clientId: string }[]; code?: string }>(
      vault.app,
      '/v1/me/grants/share',
      {
        method: 'POST',
        cookie: owner.cookie,
        json: { clientIds, fields: ['address'], purpose: 'delivery', durationSeconds: THIRTY_DAYS },
      },
    );
  }

  const created = (vendor: TestVendor) =>
    vendor.webhooks.receipts.filter(
      (r) => r.status < 300 && (JSON.parse(r.body) as { type: string }).type === 'grant.created',
    );

  it('gives each vendor its own grant, announced by grant.created, which it collects and redeems under the same sub', async () => {
    const res = await share(vendors.map((v) => v.clientId));
    expect(res.status).toBe(201);
    expect(res.body.grants.map((g) => g.clientId)).toEqual(vendors.map((v) => v.clientId));

    for (const vendor of vendors) {
      await vendor.webhooks.waitFor(() => created(vendor).length === 1);
      const [receipt] = created(vendor);
      const event = await verifyWebhook(
        { headers: receipt?.headers ?? {}, body: receipt?.body ?? '' },
        { vault: vault.url },
      );
      if (event.type !== 'grant.created') throw new Error(`expected grant.created, got ${event.type}`);
      const mine = res.body.grants.find((g) => g.clientId === vendor.clientId);
      expect(event.data).toMatchObject({ grant_id: mine?.id, fields: ['address'], purpose: 'delivery' });
      // No values travel in the event.
      expect(receipt?.body).not.toContain('Crescent');

      // The pairwise subject is the one this vendor already knows the owner by.
      expect(event.data.sub).toBe(first.get(vendor)?.sub);
      const collected = await vendor.client.collectGrant({ grantId: event.data.grant_id });
      expect(collected).toMatchObject({
        grantId: mine?.id,
        sub: first.get(vendor)?.sub,
        fields: ['address'],
      });
      const data = (await vendor.client.redeem(collected.grant)) as RedeemedData;
      expect(data.sub).toBe(first.get(vendor)?.sub);
      expect(data.fields).toEqual({ address: NEW_ADDRESS });

      // Collected once: a second collect, or another vendor collecting it, is refused.
      for (const who of [vendor, stranger]) {
        try {
          await who.client.collectGrant({ grantId: event.data.grant_id });
          expect.unreachable('a shared grant is collected once, by its vendor');
        } catch (error) {
          expect(isKithClientError(error) && error.code).toBe('INVALID_GRANT');
        }
      }
    }
    // The stranger was not among the three and heard nothing.
    expect(created(stranger)).toEqual([]);
  });

  it('refuses a vendor the owner ended with, and then shares with none of the list', async () => {
    const ended = await requestJson(vault.app, '/v1/me/relationships/end', {
      method: 'POST',
      cookie: owner.cookie,
      json: { clientId: stranger.clientId },
    });
    expect(ended.status).toBe(200);
    const grantsBefore = await vault.vault.db.selectFrom('grants').select('id').execute();

    const res = await share([vendors[0]?.clientId as string, stranger.clientId]);
    expect(res.status).toBe(404);
    expect(res.body.code).toBe('RELATIONSHIP_NOT_FOUND');
    expect(await vault.vault.db.selectFrom('grants').select('id').execute()).toHaveLength(
      grantsBefore.length,
    );

    // A vendor the owner never dealt with is refused the same way.
    const unknown = await share(['https://never.example/.well-known/kith-client.json']);
    expect(unknown.body.code).toBe('RELATIONSHIP_NOT_FOUND');
  });
});
