import { verifyWebhook } from '@kith/client';
import { createLogger } from '@kith/server';
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Db } from '../server/src/db/database.ts';
import { openDatabase } from '../server/src/db/open-database.ts';
import {
  type DeliveryWorker,
  deliveryHealth,
  startDeliveryWorker,
} from '../server/src/events/delivery.service.ts';
import { emitEvent } from '../server/src/events/event.service.ts';
import { createKeyring } from '../server/src/keys/signing-key.service.ts';
import { createVaultKeys } from '../server/src/keys/vault-keys.ts';
import { createVendorFetches } from '../server/src/vendors/resolve-vendor.ts';
import { codeOf } from './support/client-errors.ts';
import { describeEachDatabase } from './support/databases.ts';
import { requestJson } from './support/http.ts';
import { type LiveVault, startLiveVault } from './support/live-vault.ts';
import type { TestClock } from './support/test-vault.ts';
import { startTestVendor, type TestVendor, type WebhookReceipt } from './support/vendor.ts';

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describeEachDatabase('webhooks survive a failing receiver and a vault restart', (database) => {
  let vault: LiveVault;
  let shop: TestVendor;
  let owner: { cookie: string; owner: { id: string } };
  const handles: { close(): Promise<void> }[] = [];
  const workers: DeliveryWorker[] = [];

  beforeAll(async () => {
    vault = await startLiveVault(database());
    shop = await startTestVendor({ vault: vault.url, name: 'Flaky Shop', webhooks: true });
    owner = await vault.signedInOwner();
  });
  afterAll(async () => {
    await Promise.all(workers.map((w) => w.stop()));
    await Promise.all(handles.map((h) => h.close()));
    await shop?.stop();
    await vault?.stop();
  });

  /** A vault process's worker: its own database pool and keys, as a restarted or second process has. */
  function startWorker(
    clock: TestClock,
    options: { random?: () => number; batchSize?: number } = {},
  ): DeliveryWorker {
    const opened = openDatabase(vault.config.database);
    handles.push(opened);
    const keys = createVaultKeys(Buffer.from(vault.masterKey, 'base64'));
    const worker = startDeliveryWorker(
      {
        db: opened.db,
        keys,
        // A process of its own: its own keyring and vendor fetches.
        keyring: createKeyring(),
        vendorFetches: createVendorFetches(),
        clock,
        logger: createLogger('silent'),
        config: vault.config,
        ...(options.random ? { random: options.random } : {}),
      },
      { pollIntervalMs: 5, ...(options.batchSize ? { batchSize: options.batchSize } : {}) },
    );
    workers.push(worker);
    return worker;
  }

  /** Real time plus whatever the test skips ahead, so backoff waits pass at once. */
  function skippingClock(): TestClock {
    let offset = 0;
    return {
      now: () => Date.now() + offset,
      advance: (ms) => {
        offset += ms;
      },
    };
  }

  async function statuses(db: Db, clientId: string) {
    return db
      .selectFrom('deliveries')
      .innerJoin('events', 'events.id', 'deliveries.event_id')
      .select(['events.id', 'deliveries.status', 'deliveries.attempts', 'deliveries.last_error'])
      .where('events.client_id', '=', clientId)
      .execute();
  }

  it('delivers every event with its original webhook-id after 503s, refused connections and a restart; v1 and v1a both verify', async () => {
    const request = await shop.client.requestGrant({
      fields: ['email', 'address'],
      purpose: 'delivery',
      duration: '30d',
    });
    await requestJson(vault.app, `/v1/me/grant-requests/${request.id}/approve`, {
      method: 'POST',
      cookie: owner.cookie,
      json: { optionalFields: [], contact: true },
    });
    const grant = await shop.client.collectGrant({ requestId: request.id });
    const secret = shop.webhookSecret() as string;
    expect(secret).toMatch(/^whsec_/);

    shop.webhooks.respondWith(503);
    const clock = skippingClock();
    const first = startWorker(clock);
    for (const json of [
      { email: 'ada@example.com' },
      { address: { locality: 'Leeds', country: 'GB' } },
      { email: 'ada@lovelace.example' },
    ]) {
      await requestJson(vault.app, '/v1/me/profile', { method: 'PATCH', cookie: owner.cookie, json });
    }
    const eventIds = (await statuses(vault.vault.db, shop.clientId)).map((e) => e.id).sort();
    expect(eventIds).toHaveLength(3);
    await shop.webhooks.waitFor((r) => new Set(r.map((x) => x.id)).size === 3);

    // The receiver goes away: connections are refused while the clock skips past the backoff.
    await shop.webhooks.goDown();
    for (let i = 0; i < 5; i++) {
      clock.advance(10_000);
      await pause(40);
    }
    const refused = await statuses(vault.vault.db, shop.clientId);
    expect(refused.every((d) => d.status === 'pending')).toBe(true);
    expect(refused.some((d) => d.last_error?.startsWith('connection failed'))).toBe(true);
    expect(await deliveryHealth(vault.vault.db, owner.owner.id, shop.clientId)).toMatchObject({
      lastDeliveredAt: null,
      pending: 3,
      failing: 3,
      disabled: false,
    });

    // The vault restarts mid-retry: the old worker stops, a new process's worker takes over from the database.
    await first.stop();
    const second = startWorker(clock);
    await shop.webhooks.comeBack();
    shop.webhooks.respondWith(204);
    for (
      let i = 0;
      i < 40 && (await statuses(vault.vault.db, shop.clientId)).some((d) => d.status !== 'delivered');
      i++
    ) {
      clock.advance(10_000);
      await pause(40);
    }
    await second.stop();

    const delivered = shop.webhooks.receipts.filter((r) => r.status === 204);
    expect(delivered.map((r) => r.id).sort()).toEqual(eventIds);
    // Every attempt of an event carried the event's own id, and no attempt came twice.
    const attempts = shop.webhooks.receipts.map((r) => `${r.id}#${r.attempt}`);
    expect(new Set(attempts).size).toBe(attempts.length);
    for (const receipt of shop.webhooks.receipts) expect(JSON.parse(receipt.body).id).toBe(receipt.id);
    expect((await deliveryHealth(vault.vault.db, owner.owner.id, shop.clientId)).lastDeliveredAt).toEqual(
      expect.any(Number),
    );

    // The stock Standard Webhooks library accepts each delivery's v1 signature.
    const stock = new Webhook(secret);
    for (const receipt of delivered) {
      expect(stock.verify(receipt.body, receipt.headers)).toMatchObject({ id: receipt.id });
    }

    // The SDK accepts v1a against the vault's published key alone, once per id.
    const seen = new Set<string>();
    const markSeen = (id: string) => {
      const known = seen.has(id);
      seen.add(id);
      return known;
    };
    for (const receipt of delivered) {
      const event = await verifyWebhook(
        { headers: receipt.headers, body: receipt.body },
        { vault: vault.url, seen: markSeen },
      );
      expect(event).toMatchObject({
        type: 'profile.updated',
        id: receipt.id,
        data: { sub: grant.sub, grant_ids: [grant.grantId] },
      });
    }
    const [sample] = delivered as [WebhookReceipt];
    expect(await codeOf(verifyWebhook(sample, { vault: vault.url, seen: markSeen }))).toBe(
      'WEBHOOK_REPLAYED',
    );

    // A tampered body, a body from another event, or a stranger's secret: not signed by the vault.
    const tampered = [
      sample.body.replace('"profile.updated"', '"grant.revoked"'),
      sample.body.replace(/"version":\d+/, '"version":999'),
      `${sample.body} `,
    ];
    for (const body of tampered) {
      expect(await codeOf(verifyWebhook({ headers: sample.headers, body }, { vault: vault.url }))).toBe(
        'WEBHOOK_SIGNATURE_INVALID',
      );
      expect(await codeOf(verifyWebhook({ headers: sample.headers, body }, { secret }))).toBe(
        'WEBHOOK_SIGNATURE_INVALID',
      );
    }
    const stranger = `whsec_${Buffer.alloc(32, 7).toString('base64')}`;
    expect(await codeOf(verifyWebhook(sample, { secret: stranger }))).toBe('WEBHOOK_SIGNATURE_INVALID');
    for (const signature of [
      '',
      'v1a,',
      'v1,AAAA',
      'v2,abc',
      sample.headers['webhook-signature']?.replace(/v1a,\S+/, 'v1a,AAAA'),
    ]) {
      const headers = { ...sample.headers, 'webhook-signature': signature as string };
      expect(await codeOf(verifyWebhook({ headers, body: sample.body }, { vault: vault.url }))).toBe(
        'WEBHOOK_SIGNATURE_INVALID',
      );
    }

    // An old timestamp, or one from the future, is refused even with a valid signature.
    const sentAt = Number(sample.headers['webhook-timestamp']) * 1000;
    for (const now of [sentAt + 301_000, sentAt - 301_000, sentAt + 86_400_000]) {
      expect(await codeOf(verifyWebhook(sample, { vault: vault.url, clock: { now: () => now } }))).toBe(
        'WEBHOOK_TIMESTAMP_INVALID',
      );
    }
    for (const timestamp of ['', 'abc', '-1', '1e3', String(Math.floor(sentAt / 1000) - 3600)]) {
      const headers = { ...sample.headers, 'webhook-timestamp': timestamp };
      expect(await codeOf(verifyWebhook({ headers, body: sample.body }, { vault: vault.url }))).toMatch(
        /^WEBHOOK_(TIMESTAMP|SIGNATURE)_INVALID$/,
      );
    }
    // The stock library refuses the same old timestamp.
    const old = { ...sample.headers, 'webhook-timestamp': String(Math.floor(Date.now() / 1000) - 3600) };
    expect(() => stock.verify(sample.body, old)).toThrow();
  });

  it('delivers every event exactly once per attempt with two workers on one database', async () => {
    shop.webhooks.receipts.length = 0;
    shop.webhooks.respondWith(204);
    const ids = await vault.vault.db.transaction().execute(async (trx) => {
      const emitted: string[] = [];
      for (let i = 0; i < 40; i++) {
        emitted.push(
          await emitEvent(trx, {
            ownerId: owner.owner.id,
            clientId: shop.clientId,
            type: 'grant.revoked',
            data: { sub: `sub-${i}`, grant_id: `grt_${i}`, revoked_by: 'owner' },
            at: Date.now(),
          }),
        );
      }
      return emitted;
    });
    // Every attempt fails for a while, so retries are claimed too; no jitter, so they are due at once.
    const clock = skippingClock();
    shop.webhooks.respondWith(503);
    startWorker(clock, { random: () => 0, batchSize: 4 });
    startWorker(clock, { random: () => 0, batchSize: 4 });
    await shop.webhooks.waitFor((r) => new Set(r.map((x) => x.id)).size === ids.length);
    shop.webhooks.respondWith(204);
    await shop.webhooks.waitFor(
      (r) => new Set(r.filter((x) => x.status === 204).map((x) => x.id)).size === ids.length,
    );
    await Promise.all(workers.map((w) => w.stop()));

    const attempts = shop.webhooks.receipts.map((r) => `${r.id}#${r.attempt}`);
    expect(new Set(attempts).size).toBe(attempts.length);
    expect(new Set(shop.webhooks.receipts.map((r) => r.id))).toEqual(new Set(ids));
    const rows = await statuses(vault.vault.db, shop.clientId);
    expect(rows.filter((r) => ids.includes(r.id)).every((r) => r.status === 'delivered')).toBe(true);
    // Both workers took part.
    const claimers = await vault.vault.db
      .selectFrom('deliveries')
      .select('claimed_by')
      .where('event_id', 'in', ids)
      .distinct()
      .execute();
    expect(claimers.length).toBe(2);
  });
});
