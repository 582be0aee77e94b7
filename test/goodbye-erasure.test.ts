import { type CollectedGrant, isKithClientError } from '@kith/client';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeEachDatabase } from './support/databases.ts';
import { requestJson } from './support/http.ts';
import { type LiveVault, startLiveVault } from './support/live-vault.ts';
import { startTestVendor, type TestVendor } from './support/vendor.ts';

const DAY_MS = 24 * 3_600_000;

describeEachDatabase(
  'goodbye: ending a relationship and acknowledging the erasure over the API',
  (database) => {
    let vault: LiveVault;
    let owner: { cookie: string };
    let shop: TestVendor;
    let other: TestVendor;

    beforeAll(async () => {
      vault = await startLiveVault(database());
      [shop, other] = await Promise.all([
        startTestVendor({ vault: vault.url, name: 'Shop' }),
        startTestVendor({ vault: vault.url, name: 'Other' }),
      ]);
      owner = await vault.signedInOwner();
    });
    afterAll(async () => {
      await Promise.all([shop, other].map((v) => v?.stop()));
      await vault?.stop();
    });

    async function granted(vendor: TestVendor, fields: string[]): Promise<CollectedGrant> {
      const request = await vendor.client.requestGrant({
        fields: fields as never,
        purpose: 'delivery',
        duration: '30d',
      });
      await requestJson(vault.app, `/v1/me/grant-requests/${request.id}/approve`, {
        method: 'POST',
        cookie: owner.cookie,
        json: { optionalFields: [], contact: true },
      });
      return vendor.client.collectGrant({ requestId: request.id });
    }

    function end(json: unknown) {
      return requestJson<{
        code?: string;
        revokedGrantIds: string[];
        erasure: { id: string; deadline: string; requestedAt: string; status: string };
      }>(vault.app, '/v1/me/relationships/end', { method: 'POST', cookie: owner.cookie, json });
    }

    it('refuses an erasure deadline outside 1 to 90 days', async () => {
      await granted(other, ['email']);
      for (const erasureDays of [0, -1, 91, 1.5, '30', null, true]) {
        const res = await end({ clientId: other.clientId, erasureDays });
        expect(res.status, String(erasureDays)).toBe(400);
        expect(res.body.code).toBe('VALIDATION_FAILED');
      }
    });

    it('revokes every grant, writes relationship.ended and erasure.requested in one go, and takes the acknowledgement once', async () => {
      const grants = [await granted(shop, ['email']), await granted(shop, ['name'])];
      const res = await end({ clientId: shop.clientId, erasureDays: 14 });
      expect(res.status).toBe(200);
      expect(res.body.revokedGrantIds.sort()).toEqual(grants.map((g) => g.grantId).sort());
      const { erasure } = res.body;
      expect(erasure.status).toBe('pending');
      expect(Date.parse(erasure.deadline) - Date.parse(erasure.requestedAt)).toBe(14 * DAY_MS);

      // The outbox holds exactly what the vendor must hear, all from the one transaction.
      const events = await vault.vault.db
        .selectFrom('events')
        .select(['type', 'payload', 'created_at', 'sequence'])
        .where('client_id', '=', shop.clientId)
        .execute();
      // Delivered in parallel, they may arrive in any order: their sequence numbers say the order they
      // happened in — every grant revoked, then the relationship ended, then the erasure asked.
      const inOrder = [...events].sort((a, b) => Number(a.sequence) - Number(b.sequence));
      expect(inOrder.map((e) => e.type)).toEqual([
        'grant.revoked',
        'grant.revoked',
        'relationship.ended',
        'erasure.requested',
      ]);
      const first = Number(inOrder[0]?.sequence);
      expect(inOrder.map((e) => Number(e.sequence))).toEqual([first, first + 1, first + 2, first + 3]);
      expect(events.map((e) => e.type).sort()).toEqual([
        'erasure.requested',
        'grant.revoked',
        'grant.revoked',
        'relationship.ended',
      ]);
      expect(events.every((e) => Number(e.created_at) <= Date.parse(erasure.requestedAt))).toBe(true);
      const requested = events.find((e) => e.type === 'erasure.requested');
      expect(JSON.parse(requested?.payload ?? '{}')).toEqual({
        sub: grants[0]?.sub,
        erasure_id: erasure.id,
        deadline: erasure.deadline,
      });
      for (const grant of grants) {
        try {
          await shop.client.redeem(grant.grant);
          expect.unreachable('an ended relationship leaves no grant to redeem');
        } catch (error) {
          expect(isKithClientError(error) && error.code).toBe('GRANT_REVOKED');
        }
      }

      // Ending again finds nothing live.
      expect((await end({ clientId: shop.clientId })).body.code).toBe('RELATIONSHIP_NOT_FOUND');

      // Another vendor cannot acknowledge this erasure: its id is as unknown as a made-up one.
      for (const [vendor, erasureId] of [
        [other, erasure.id],
        [shop, 'era_made-up'],
      ] as const) {
        try {
          await vendor.client.acknowledgeErasure({ erasureId });
          expect.unreachable('only the vendor asked may acknowledge');
        } catch (error) {
          expect(isKithClientError(error) && error.code).toBe('ERASURE_NOT_FOUND');
        }
      }

      const acknowledged = await shop.client.acknowledgeErasure({ erasureId: erasure.id });
      expect(acknowledged).toMatchObject({ erasureId: erasure.id, deadline: erasure.deadline, late: false });
      const again = await shop.client.acknowledgeErasure({ erasureId: erasure.id });
      expect(again.acknowledgedAt).toBe(acknowledged.acknowledgedAt);

      const list = await requestJson<{ erasures: { id: string; status: string; acknowledgedAt: string }[] }>(
        vault.app,
        '/v1/me/erasures',
        { cookie: owner.cookie },
      );
      expect(list.body.erasures.find((e) => e.id === erasure.id)).toMatchObject({
        status: 'confirmed',
        acknowledgedAt: acknowledged.acknowledgedAt,
      });
      const log = await requestJson<{ entries: { action: string }[] }>(
        vault.app,
        `/v1/me/access-log?client_id=${encodeURIComponent(shop.clientId)}`,
        { cookie: owner.cookie },
      );
      const actions = log.body.entries.map((e) => e.action);
      expect(actions.filter((a) => a === 'erasure.acknowledged')).toHaveLength(1);
      expect(actions).toContain('relationship.ended');
    });
  },
);
