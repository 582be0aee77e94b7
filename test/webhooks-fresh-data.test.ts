import { type RedeemedData, verifyWebhook } from '@kith/client';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { DeliveryWorker } from '../server/src/events/delivery.service.ts';
import { describeEachDatabase } from './support/databases.ts';
import { requestJson } from './support/http.ts';
import { type LiveVault, startLiveDelivery, startLiveVault } from './support/live-vault.ts';
import { grantThroughSdk, startTestVendor, type TestVendor } from './support/vendor.ts';

describeEachDatabase(
  'fresh data: profile.updated reaches exactly the vendors holding a changed field',
  (database) => {
    let vault: LiveVault;
    let worker: DeliveryWorker;
    let owner: { cookie: string };
    let courier: TestVendor;
    let newsletter: TestVendor;
    let bakery: TestVendor;

    beforeAll(async () => {
      vault = await startLiveVault(database());
      worker = startLiveDelivery(vault, { pollIntervalMs: 20 });
      [courier, newsletter, bakery] = await Promise.all([
        startTestVendor({ vault: vault.url, name: 'Courier', webhooks: true }),
        startTestVendor({ vault: vault.url, name: 'Newsletter', webhooks: true }),
        startTestVendor({ vault: vault.url, name: 'Bakery', webhooks: true }),
      ]);
      owner = await vault.signedInOwner();
      await patchProfile({
        name: 'Ada Lovelace',
        email: 'ada@example.com',
        address: { street_address: '12 St James Square', locality: 'London', country: 'GB' },
      });
    });
    afterAll(async () => {
      await worker?.stop();
      await Promise.all([courier, newsletter, bakery].map((v) => v?.stop()));
      await vault?.stop();
    });

    async function patchProfile(json: unknown): Promise<{ version: number }> {
      const res = await requestJson<{ version: number }>(vault.app, '/v1/me/profile', {
        method: 'PATCH',
        cookie: owner.cookie,
        json,
      });
      expect(res.status).toBe(200);
      return res.body;
    }

    const granted = (vendor: TestVendor, fields: string[]) => grantThroughSdk(vault, vendor, owner, fields);

    const eventsOf = (vendor: TestVendor, type: string) =>
      vendor.webhooks.receipts.filter(
        (r) => r.status < 300 && (JSON.parse(r.body) as { type: string }).type === type,
      );

    it('tells only the vendors holding the address, once each, naming the address and the new version; they re-redeem and see it', async () => {
      // The courier holds the address on two live grants; the newsletter only the email; the bakery's address grant is revoked.
      const courierGrants = [
        await granted(courier, ['name', 'address']),
        await granted(courier, ['address']),
      ];
      await granted(newsletter, ['email']);
      const bakeryGrant = await granted(bakery, ['address']);
      expect(courier.webhookSecret()).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
      const revoked = await requestJson(vault.app, `/v1/me/grants/${bakeryGrant.grantId}/revoke`, {
        method: 'POST',
        cookie: owner.cookie,
      });
      expect(revoked.status).toBe(204);
      await bakery.webhooks.waitFor(() => eventsOf(bakery, 'grant.revoked').length === 1);

      const { version } = await patchProfile({
        address: { street_address: '1 Crescent', locality: 'Bath', country: 'GB' },
      });
      await courier.webhooks.waitFor(() => eventsOf(courier, 'profile.updated').length === 1);

      const [receipt] = eventsOf(courier, 'profile.updated');
      const event = await verifyWebhook(
        { headers: receipt?.headers ?? {}, body: receipt?.body ?? '' },
        { vault: vault.url },
      );
      expect(event.type).toBe('profile.updated');
      if (event.type !== 'profile.updated') return;
      expect(event.data).toEqual({
        sub: courierGrants[0]?.sub,
        grant_ids: courierGrants.map((g) => g.grantId),
        fields: ['address'],
        version,
      });
      // No values travel in the event: the vendor reads them with its grant, and that read is logged.
      expect(receipt?.body).not.toContain('Crescent');
      const fresh = (await courier.client.redeem(courierGrants[1]?.grant as string)) as RedeemedData;
      expect(fresh.fields.address).toEqual({ street_address: '1 Crescent', locality: 'Bath', country: 'GB' });
      expect(fresh.version).toBe(version);

      // Everything due has been sent: the newsletter (email only) and the bakery (revoked) heard nothing of it.
      const emails = await patchProfile({ email: 'ada@lovelace.example' });
      await newsletter.webhooks.waitFor(() => eventsOf(newsletter, 'profile.updated').length === 1);
      expect(eventsOf(bakery, 'profile.updated')).toEqual([]);
      expect(eventsOf(courier, 'profile.updated')).toHaveLength(1);
      const [emailEvent] = eventsOf(newsletter, 'profile.updated');
      expect(JSON.parse(emailEvent?.body ?? '{}')).toMatchObject({
        data: { fields: ['email'], version: emails.version },
      });
      const stored = await vault.vault.db
        .selectFrom('events')
        .select(['client_id', 'type'])
        .where('type', '=', 'profile.updated')
        .execute();
      expect(stored.map((e) => e.client_id).sort()).toEqual([courier.clientId, newsletter.clientId].sort());
    });

    it('sends nothing when a change touches no field any vendor holds', async () => {
      const before = await vault.vault.db.selectFrom('events').select('id').execute();
      await patchProfile({ phone_number: '+447700900123' });
      const after = await vault.vault.db.selectFrom('events').select('id').execute();
      expect(after).toHaveLength(before.length);
    });

    it('tells the vendor when it relinquishes a grant, as when the owner revokes one', async () => {
      const grant = await granted(newsletter, ['email']);
      await newsletter.client.relinquish(grant.grant);
      await newsletter.webhooks.waitFor(() => eventsOf(newsletter, 'grant.revoked').length === 1);
      const [receipt] = eventsOf(newsletter, 'grant.revoked');
      const event = await verifyWebhook(
        { headers: receipt?.headers ?? {}, body: receipt?.body ?? '' },
        { secret: newsletter.webhookSecret() as string },
      );
      expect(event).toMatchObject({
        type: 'grant.revoked',
        data: { grant_id: grant.grantId, revoked_by: 'vendor', sub: grant.sub },
      });
    });
  },
);
