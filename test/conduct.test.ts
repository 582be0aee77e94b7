import { type CollectedGrant, systemClock, verifyWebhook } from '@kith/client';
import { type ConductNarrowed, type ConductRecord, RECEIPT_TYPE } from '@kith/schemas';
import { createRemoteJWKSet, decodeJwt, jwtVerify } from 'jose';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { DeliveryWorker } from '../server/src/events/delivery.service.ts';
import { describeEachDatabase } from './support/databases.ts';
import { requestJson } from './support/http.ts';
import { type LiveVault, startLiveDelivery, startLiveVault } from './support/live-vault.ts';
import { startTestVendor, type TestVendor } from './support/vendor.ts';

const DAY_MS = 24 * 3_600_000;
const keyOf = (clientId: string) => Buffer.from(clientId).toString('base64url');
const noRefusals = {
  do_not_contact: 0,
  channel_not_allowed: 0,
  purpose_not_allowed: 0,
  marketing_refused: 0,
  weekly_limit_reached: 0,
  quiet_hours: 0,
};

describeEachDatabase(
  'a vendor’s conduct record and narrowing to the fields read (SDK over HTTP)',
  (database) => {
    let vault: LiveVault;
    let worker: DeliveryWorker;
    let shop: TestVendor;
    let gone: TestVendor;
    let owner: { cookie: string };
    let stranger: { cookie: string };
    let wide: CollectedGrant;
    let unread: CollectedGrant;

    beforeAll(async () => {
      // Sessions that outlive the days this test moves the clock by.
      vault = await startLiveVault(database(), {
        env: { KITH_SESSION_IDLE_MINUTES: String(60 * 24 * 30), KITH_SESSION_ABSOLUTE_HOURS: '2160' },
      });
      // The vendors' SDKs read the vault's clock, so their proofs move with it.
      const clock = { now: () => vault.clock.now(), sleep: systemClock.sleep };
      [shop, gone] = await Promise.all([
        startTestVendor({ vault: vault.url, name: 'Corner Shop', webhooks: true, clock }),
        startTestVendor({ vault: vault.url, name: 'Gone Ltd', clock }),
      ]);
      worker = startLiveDelivery(vault, { pollIntervalMs: 20 });
      owner = await vault.signedInOwner();
      stranger = await vault.signedInOwner();
      const patched = await requestJson(vault.app, '/v1/me/profile', {
        method: 'PATCH',
        cookie: owner.cookie,
        json: { name: 'Ada Lovelace', email: 'ada@example.com', 'contact.no_marketing': true },
      });
      expect(patched.status).toBe(200);
    });
    afterAll(async () => {
      await worker?.stop();
      await Promise.all([shop, gone].map((v) => v?.stop()));
      await vault?.stop();
    });

    const conduct = (vendor: TestVendor, as = owner) =>
      requestJson<ConductRecord & { code?: string }>(
        vault.app,
        `/v1/me/vendors/${keyOf(vendor.clientId)}/conduct`,
        { cookie: as.cookie },
      );
    const narrow = (vendor: TestVendor, as = owner) =>
      requestJson<ConductNarrowed & { code?: string }>(
        vault.app,
        `/v1/me/vendors/${keyOf(vendor.clientId)}/conduct/narrow`,
        { method: 'POST', cookie: as.cookie },
      );

    async function granted(vendor: TestVendor, fields: string[], contact?: object): Promise<CollectedGrant> {
      const request = await vendor.client.requestGrant({
        fields: fields as never,
        purpose: 'delivery',
        duration: '30d',
        ...(contact ? { contact } : {}),
      });
      const approved = await requestJson(vault.app, `/v1/me/grant-requests/${request.id}/approve`, {
        method: 'POST',
        cookie: owner.cookie,
        json: { optionalFields: [], contact: true },
      });
      expect(approved.status).toBe(200);
      return vendor.client.collectGrant({ requestId: request.id });
    }

    async function endRelationship(vendor: TestVendor): Promise<string> {
      const ended = await requestJson<{ erasure: { id: string } }>(vault.app, '/v1/me/relationships/end', {
        method: 'POST',
        cookie: owner.cookie,
        json: { clientId: vendor.clientId, erasureDays: 1 },
      });
      expect(ended.status).toBe(200);
      return ended.body.erasure.id;
    }

    it('counts erasures acknowledged on time, late and still overdue, on the vault’s clock', async () => {
      await granted(gone, ['email']);
      await gone.client.acknowledgeErasure({ erasureId: await endRelationship(gone) });
      await granted(gone, ['email']);
      const late = await endRelationship(gone);
      vault.clock.advance(2 * DAY_MS);
      await gone.client.acknowledgeErasure({ erasureId: late });
      await granted(gone, ['name']);
      await endRelationship(gone);
      vault.clock.advance(2 * DAY_MS);

      const { status, body } = await conduct(gone);
      expect(status).toBe(200);
      expect(body.grants).toEqual({
        approved: 3,
        declined: 0,
        shared: 0,
        revokedByOwner: 3,
        relinquishedByVendor: 0,
        live: 0,
      });
      expect(body.erasures).toEqual({ onTime: 1, late: 1, overdue: 1, pending: 0 });
      expect(body.fields).toEqual({ granted: [], read: [], unread: [] });
      expect(body.reads.total).toBe(0);
    });

    it('counts approvals, refusals by reason, contacts outside the terms and reads per week', async () => {
      const declined = await shop.client.requestGrant({
        fields: ['email'],
        purpose: 'delivery',
        duration: '30d',
      });
      await requestJson(vault.app, `/v1/me/grant-requests/${declined.id}/decline`, {
        method: 'POST',
        cookie: owner.cookie,
      });
      wide = await granted(shop, ['name', 'email', 'phone_number'], {
        channels: ['email', 'sms'],
        purposes: ['service', 'marketing'],
        maxPerWeek: 1,
      });
      unread = await granted(shop, ['birthdate']);
      // Two reads this week, one three weeks ago.
      vault.clock.advance(-21 * DAY_MS);
      await shop.client.redeem(wide.grant);
      vault.clock.advance(21 * DAY_MS);
      await shop.client.redeem(wide.grant);
      await shop.client.redeem(wide.grant);

      const email = { channel: 'email', purpose: 'service' } as const;
      expect((await shop.client.canContact(wide.grant, email)).allowed).toBe(true);
      expect(
        (await shop.client.canContact(wide.grant, { channel: 'phone', purpose: 'service' })).reason,
      ).toBe('channel_not_allowed');
      expect(
        (await shop.client.canContact(wide.grant, { channel: 'email', purpose: 'marketing' })).reason,
      ).toBe('marketing_refused');
      const hour = new Date(vault.clock.now()).getUTCHours();
      const at = (h: number) => `${String((h + 24) % 24).padStart(2, '0')}:00`;
      const quiet = await requestJson(vault.app, '/v1/me/profile', {
        method: 'PATCH',
        cookie: owner.cookie,
        json: { zoneinfo: 'UTC', 'contact.quiet_hours': { start: at(hour - 1), end: at(hour + 2) } },
      });
      expect(quiet.status).toBe(200);
      expect((await shop.client.canContact(wide.grant, email)).reason).toBe('quiet_hours');
      const loud = await requestJson(vault.app, '/v1/me/profile', {
        method: 'PATCH',
        cookie: owner.cookie,
        json: { 'contact.quiet_hours': null },
      });
      expect(loud.status).toBe(200);
      expect((await shop.client.recordContact(wide.grant, email)).recorded).toBe(true);
      expect((await shop.client.canContact(wide.grant, email)).reason).toBe('weekly_limit_reached');
      expect(
        await shop.client.recordContact(wide.grant, { channel: 'sms', purpose: 'service' }),
      ).toMatchObject({
        recorded: false,
        reason: 'weekly_limit_reached',
      });
      const dnc = await requestJson(vault.app, `/v1/me/vendors/${keyOf(shop.clientId)}/contact-terms`, {
        method: 'PUT',
        cookie: owner.cookie,
        json: { doNotContact: true },
      });
      expect(dnc.status).toBe(200);
      expect((await shop.client.canContact(wide.grant, email)).reason).toBe('do_not_contact');

      const { status, headers, body } = await conduct(shop);
      expect(status).toBe(200);
      expect(headers.get('cache-control')).toBe('no-store');
      expect(body.clientId).toBe(shop.clientId);
      expect(body.window.days).toBe(90);
      expect(Date.parse(body.window.to) - Date.parse(body.window.from)).toBe(90 * DAY_MS);
      expect(body.grants).toEqual({
        approved: 2,
        declined: 1,
        shared: 0,
        revokedByOwner: 0,
        relinquishedByVendor: 0,
        live: 2,
      });
      expect(body.terms).toEqual({ accepted: 0, agreements: [] });
      expect(body.fields).toEqual({
        granted: ['name', 'email', 'phone_number', 'birthdate'],
        read: ['name', 'email'],
        unread: ['phone_number', 'birthdate'],
      });
      expect(body.reads.total).toBe(3);
      expect(body.reads.perWeek).toHaveLength(13);
      const perWeek = body.reads.perWeek.map((w) => w.reads);
      expect(perWeek.at(-1)).toBe(2);
      expect(perWeek.at(-4)).toBe(1);
      expect(perWeek.reduce((a, b) => a + b, 0)).toBe(3);
      expect(body.reads.perWeek[0]?.weekStart).toBe(body.window.from);
      expect(body.contactChecks).toEqual({
        allowed: 1,
        refused: 5,
        refusedBy: {
          ...noRefusals,
          channel_not_allowed: 1,
          marketing_refused: 1,
          weekly_limit_reached: 1,
          quiet_hours: 1,
          do_not_contact: 1,
        },
      });
      expect(body.contacts).toEqual({
        recorded: 1,
        outsideTerms: 1,
        refusedBy: { ...noRefusals, weekly_limit_reached: 1 },
      });
      expect(body.erasures).toEqual({ onTime: 0, late: 0, overdue: 0, pending: 0 });
    });

    it('tells the webhook deliveries that reached the vendor', async () => {
      await shop.webhooks.waitFor((r) => r.some((x) => x.status === 204));
      let record = (await conduct(shop)).body;
      for (let i = 0; i < 200 && record.webhooks.pending > 0; i++) {
        await new Promise((resolve) => setTimeout(resolve, 20));
        record = (await conduct(shop)).body;
      }
      const delivered = new Set(shop.webhooks.receipts.filter((r) => r.status === 204).map((r) => r.id));
      expect(record.webhooks).toEqual({ delivered: delivered.size, pending: 0, failed: 0 });
    });

    it('refuses another owner the record and the narrowing, and writes nothing for them', async () => {
      const before = await accessLogLength();
      const read = await conduct(shop, stranger);
      expect(read.status).toBe(404);
      expect(read.body.code).toBe('NOT_FOUND');
      const narrowed = await narrow(shop, stranger);
      expect(narrowed.status).toBe(404);
      expect(narrowed.body.code).toBe('NOT_FOUND');
      expect(await accessLogLength()).toBe(before);
      expect((await requestJson(vault.app, `/v1/me/vendors/${keyOf(shop.clientId)}/conduct`)).status).toBe(
        401,
      );
    });

    it('narrows to the fields read: a new grant version, the old token redeems only those, the vendor is told', async () => {
      const eventsBefore = shop.webhooks.receipts.length;
      const { status, body } = await narrow(shop);
      expect(status).toBe(200);
      expect(body).toEqual({
        narrowed: [{ grantId: wide.grantId, version: 2, fields: ['name', 'email'] }],
        revoked: [unread.grantId],
        removed: ['phone_number', 'birthdate'],
      });

      // The owner now sets the phone number: the narrowed grant does not give it, whatever the token says.
      await requestJson(vault.app, '/v1/me/profile', {
        method: 'PATCH',
        cookie: owner.cookie,
        json: { phone_number: '+442071838750' },
      });
      expect(decodeJwt(wide.grant).fields).toEqual(['name', 'email', 'phone_number']);
      const redeemed = await shop.client.redeem(wide.grant);
      expect('fields' in redeemed && Object.keys(redeemed.fields).sort()).toEqual(['email', 'name']);
      await expect(shop.client.redeem(unread.grant)).rejects.toMatchObject({ code: 'GRANT_REVOKED' });

      // The owner's receipt is the new version's, signed by the vault.
      const receipt = await vault.app.request(`/v1/me/grants/${wide.grantId}/receipt`, {
        headers: { cookie: owner.cookie },
      });
      const jwt = await receipt.text();
      const jwks = createRemoteJWKSet(new URL(`${vault.url}/.well-known/jwks.json`));
      const { payload, protectedHeader } = await jwtVerify(jwt, jwks, {
        currentDate: new Date(vault.clock.now()),
      });
      expect(protectedHeader.typ).toBe(RECEIPT_TYPE);
      expect(payload).toMatchObject({
        grant_id: wide.grantId,
        grant_version: 2,
        processing: { personal_data: ['name', 'email'] },
      });

      // The vendor hears grant.narrowed (signed; the SDK verifies it) and grant.revoked.
      await shop.webhooks.waitFor((r) =>
        r.slice(eventsBefore).some((x) => x.body.includes('grant.narrowed')),
      );
      const arrived = shop.webhooks.receipts
        .slice(eventsBefore)
        .find((x) => x.body.includes('grant.narrowed'));
      const event = await verifyWebhook(
        { headers: arrived?.headers ?? {}, body: arrived?.body ?? '' },
        { vault: vault.url, clock: vault.clock },
      );
      expect(event.type).toBe('grant.narrowed');
      expect(event.data).toEqual({
        sub: wide.sub,
        grant_id: wide.grantId,
        version: 2,
        fields: ['name', 'email'],
        removed: ['phone_number'],
      });

      // The owner's log says so, and its chain still verifies.
      const log = await requestJson<{ entries: { action: string; grantId: string; detail: unknown }[] }>(
        vault.app,
        `/v1/me/access-log?client_id=${encodeURIComponent(shop.clientId)}`,
        { cookie: owner.cookie },
      );
      expect(log.body.entries.find((e) => e.action === 'grant.narrowed')).toMatchObject({
        grantId: wide.grantId,
        detail: { fields: ['name', 'email'], removed: ['phone_number'], version: 2 },
      });
      const verified = await requestJson<{ ok: boolean }>(vault.app, '/v1/me/access-log/verify', {
        cookie: owner.cookie,
      });
      expect(verified.body.ok).toBe(true);

      const after = (await conduct(shop)).body;
      expect(after.fields).toEqual({ granted: ['name', 'email'], read: ['name', 'email'], unread: [] });
      expect(after.grants.revokedByOwner).toBe(1);
      expect(after.grants.live).toBe(1);
    });

    it('narrows a grant not collected yet: the vendor collects the new version, token and receipt alike', async () => {
      const request = await shop.client.requestGrant({
        fields: ['email', 'birthdate'],
        purpose: 'delivery',
        duration: '30d',
      });
      const approved = await requestJson(vault.app, `/v1/me/grant-requests/${request.id}/approve`, {
        method: 'POST',
        cookie: owner.cookie,
        json: { optionalFields: [], contact: true },
      });
      expect(approved.status).toBe(200);
      const { status, body } = await narrow(shop);
      expect(status).toBe(200);
      expect(body.removed).toEqual(['birthdate']);
      expect(body.narrowed).toHaveLength(1);

      const collected = await shop.client.collectGrant({ requestId: request.id });
      expect(collected.fields).toEqual(['email']);
      expect(decodeJwt(collected.grant).fields).toEqual(['email']);
      expect(decodeJwt(collected.receipt)).toMatchObject({
        grant_version: 2,
        processing: { personal_data: ['email'] },
      });
    });

    it('refuses a narrowing with nothing left to narrow, and writes nothing', async () => {
      const before = await accessLogLength();
      const { status, body } = await narrow(shop);
      expect(status).toBe(409);
      expect(body.code).toBe('NOTHING_TO_NARROW');
      expect(await accessLogLength()).toBe(before);
    });

    it('carries one conduct record per vendor in the export', async () => {
      const exported = await requestJson<{ conduct: ConductRecord[] }>(vault.app, '/v1/me/export', {
        cookie: owner.cookie,
      });
      expect(exported.status).toBe(200);
      expect(exported.body.conduct.map((c) => c.clientId).sort()).toEqual(
        [shop.clientId, gone.clientId].sort(),
      );
      expect(exported.body.conduct.find((c) => c.clientId === gone.clientId)?.erasures).toEqual({
        onTime: 1,
        late: 1,
        overdue: 1,
        pending: 0,
      });
    });

    async function accessLogLength(): Promise<number> {
      const log = await requestJson<{ entries: unknown[] }>(vault.app, '/v1/me/access-log?limit=500', {
        cookie: owner.cookie,
      });
      return log.body.entries.length;
    }
  },
);
