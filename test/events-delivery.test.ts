import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createLogger } from '@kith/server';
import { afterAll, beforeAll, expect, it } from 'vitest';
import {
  type DeliveryDeps,
  deliverDue,
  deliveryHealth,
  startDeliveryWorker,
} from '../server/src/events/delivery.service.ts';
import { emitEvent, ensureWebhookSecret } from '../server/src/events/event.service.ts';
import { guardedWebhookFetch, type WebhookFetch } from '../server/src/events/webhook-transport.ts';
import { upsertVendor } from '../server/src/vendors/vendor.repository.ts';
import { describeEachDatabase } from './support/databases.ts';
import { openTestVault, type TestVault } from './support/test-vault.ts';

const HOUR = 3_600_000;

describeEachDatabase('the outbox and its delivery worker (frozen clock, injected fetch)', (database) => {
  let tv: TestVault;
  let ownerId: string;
  let vendors = 0;

  beforeAll(async () => {
    tv = await openTestVault(database());
    ownerId = (await tv.signedInOwner()).owner.id;
  });
  afterAll(() => tv?.close());

  /** A vendor the vault already knows (its metadata cached for a year), with a webhook secret. */
  async function knownVendor(webhookUri: string | undefined): Promise<string> {
    const clientId = `https://vendor-${++vendors}.example/kith.json`;
    const metadata = {
      client_id: clientId,
      client_name: 'Shop',
      jwks: { keys: [{}] },
      redirect_uris: [],
      webhook_uri: webhookUri,
    };
    await upsertVendor(tv.vault.db, {
      client_id: clientId,
      metadata: JSON.stringify(metadata),
      fetched_at: tv.clock.now(),
      expires_at: tv.clock.now() + 365 * 24 * HOUR,
    });
    await tv.vault.db.transaction().execute((trx) => ensureWebhookSecret(tv.vault, trx, clientId));
    return clientId;
  }

  async function emit(clientId: string, n = 1): Promise<string[]> {
    return tv.vault.db.transaction().execute(async (trx) => {
      const ids: string[] = [];
      for (let i = 0; i < n; i++) {
        ids.push(
          await emitEvent(trx, {
            ownerId,
            clientId,
            type: 'grant.revoked',
            data: { sub: 'sub_1', grant_id: `grt_${i}`, revoked_by: 'owner' },
            at: tv.clock.now(),
          }),
        );
      }
      return ids;
    });
  }

  function deps(fetch: WebhookFetch | undefined, overrides: Partial<DeliveryDeps> = {}): DeliveryDeps {
    return {
      db: tv.vault.db,
      keys: tv.vault.keys,
      keyring: tv.vault.keyring,
      vendorFetches: tv.vault.vendorFetches,
      clock: tv.clock,
      logger: createLogger('silent'),
      config: tv.config,
      ...(fetch ? { fetch } : {}),
      ...overrides,
    };
  }

  const delivery = (eventId: string) =>
    tv.vault.db
      .selectFrom('deliveries')
      .selectAll()
      .where('event_id', '=', eventId)
      .executeTakeFirstOrThrow();

  it('writes no event when the transaction that caused it rolls back', async () => {
    const clientId = await knownVendor('https://hooks.example/in');
    await expect(
      tv.vault.db.transaction().execute(async (trx) => {
        await emitEvent(trx, {
          ownerId,
          clientId,
          type: 'grant.revoked',
          data: { sub: 's', grant_id: 'g', revoked_by: 'owner' },
          at: 1,
        });
        throw new Error('the change failed');
      }),
    ).rejects.toThrow('the change failed');
    expect(
      await tv.vault.db.selectFrom('events').select('id').where('client_id', '=', clientId).execute(),
    ).toEqual([]);
  });

  it('posts { type, id, iss, sequence, timestamp, data } with the Standard Webhooks headers and marks it delivered', async () => {
    const clientId = await knownVendor('https://hooks.example/in');
    const [id] = await emit(clientId);
    const sent: { url: string; headers: Record<string, string>; body: string }[] = [];
    await deliverDue(
      deps(async (url, init) => {
        sent.push({ url, headers: init.headers, body: init.body });
        return { status: 200 };
      }),
      {
        workerId: 'wkr_a',
      },
    );
    expect(sent).toHaveLength(1);
    const [request] = sent;
    expect(request?.url).toBe('https://hooks.example/in');
    expect(request?.headers).toMatchObject({
      'webhook-id': id,
      'webhook-timestamp': String(Math.floor(tv.clock.now() / 1000)),
      'webhook-attempt': '1',
      'content-type': 'application/json',
    });
    expect(request?.headers['webhook-signature']).toMatch(/^v1,[A-Za-z0-9+/]{43}= v1a,[A-Za-z0-9+/]{86}==$/);
    expect(JSON.parse(request?.body ?? '')).toEqual({
      type: 'grant.revoked',
      id,
      iss: tv.config.publicUrl.origin,
      sequence: 1,
      timestamp: new Date(tv.clock.now()).toISOString(),
      data: { sub: 'sub_1', grant_id: 'grt_0', revoked_by: 'owner' },
    });
    expect(await delivery(id as string)).toMatchObject({
      status: 'delivered',
      attempts: 1,
      last_status_code: 200,
      delivered_at: tv.clock.now(),
    });
  });

  it("numbers each vendor's events 1, 2, 3… in commit order, apart from other vendors', even from concurrent transactions", async () => {
    const [shop, other] = [await knownVendor(undefined), await knownVendor(undefined)];
    const first = await emit(shop, 2);
    await emit(other, 1);
    // Three transactions at once: each takes a block of numbers, none is given twice.
    const concurrent = await Promise.all([emit(shop, 3), emit(shop, 3), emit(shop, 3)]);
    const rows = await tv.vault.db
      .selectFrom('events')
      .select(['id', 'client_id', 'sequence'])
      .where('client_id', 'in', [shop, other])
      .execute();
    const sequenceOf = new Map(rows.map((r) => [r.id, Number(r.sequence)]));
    expect(first.map((id) => sequenceOf.get(id))).toEqual([1, 2]);
    expect(rows.filter((r) => r.client_id === other).map((r) => Number(r.sequence))).toEqual([1]);
    const blocks = concurrent.map((ids) => ids.map((id) => sequenceOf.get(id) as number));
    // Within a transaction, the numbers follow the order the events were written.
    for (const block of blocks) expect(block).toEqual([block[0], (block[0] ?? 0) + 1, (block[0] ?? 0) + 2]);
    expect(blocks.flat().sort((a, b) => a - b)).toEqual([3, 4, 5, 6, 7, 8, 9, 10, 11]);
    // Nothing of this is for the delivery tests below.
    await tv.vault.db
      .deleteFrom('deliveries')
      .where('event_id', 'in', [...sequenceOf.keys()])
      .execute();
  });

  it('backs off with full jitter, doubling the ceiling each attempt, then gives up after the retry period', async () => {
    const clientId = await knownVendor('https://hooks.example/in');
    const [id] = await emit(clientId);
    const fail: WebhookFetch = async () => ({ status: 500 });
    const created = tv.clock.now();
    let ceiling = 5_000;
    for (let attempt = 1; ; attempt++) {
      const claimed = await deliverDue(deps(fail, { random: () => 0.999_999 }), { workerId: 'wkr_a' });
      expect(claimed).toBe(1);
      const row = await delivery(id as string);
      expect(row.attempts).toBe(attempt);
      expect(row.last_error).toBe('HTTP 500');
      if (row.status === 'failed') break;
      // Nothing is due before the next attempt.
      expect(row.next_attempt_at - tv.clock.now()).toBe(Math.floor(0.999_999 * Math.min(ceiling, 6 * HOUR)));
      ceiling *= 2;
      tv.clock.advance(row.next_attempt_at - tv.clock.now() - 1);
      expect(await deliverDue(deps(fail), { workerId: 'wkr_a' })).toBe(0);
      tv.clock.advance(1);
    }
    // Given up once the next wait would end past 72 hours from the event.
    expect(tv.clock.now() - created).toBeLessThanOrEqual(tv.config.webhooks.retryForMs);
    expect(tv.clock.now() - created).toBeGreaterThan(tv.config.webhooks.retryForMs - 6 * HOUR);
    expect(await deliveryHealth(tv.vault.db, ownerId, clientId)).toMatchObject({
      failed: 1,
      pending: 0,
      lastDeliveredAt: null,
    });
  });

  it('disables the endpoint on 410 Gone: every waiting delivery to that vendor stops, and later events are not sent', async () => {
    const clientId = await knownVendor('https://gone.example/in');
    const other = await knownVendor('https://hooks.example/in');
    const ids = await emit(clientId, 3);
    const posts: string[] = [];
    const gone: WebhookFetch = async (url) => {
      posts.push(url);
      return { status: url.includes('gone') ? 410 : 204 };
    };
    await deliverDue(deps(gone), { workerId: 'wkr_a', batchSize: 1 });
    const [otherId] = await emit(other);
    expect(posts).toEqual(['https://gone.example/in']);
    for (const id of ids) expect((await delivery(id)).status).toBe('disabled');
    expect(await deliveryHealth(tv.vault.db, ownerId, clientId)).toMatchObject({
      disabled: true,
      pending: 0,
    });

    const [later] = await emit(clientId);
    await deliverDue(deps(gone), { workerId: 'wkr_a' });
    expect(posts.filter((p) => p.includes('gone'))).toHaveLength(1);
    expect(await delivery(later as string)).toMatchObject({
      status: 'disabled',
      last_error: 'endpoint answered 410 Gone',
    });
    // Another vendor is not affected.
    expect((await delivery(otherId as string)).status).toBe('delivered');
  });

  it('counts a timeout as a failed attempt', async () => {
    const clientId = await knownVendor('https://slow.example/in');
    const [id] = await emit(clientId);
    const slow = deps(
      (_url, init) =>
        new Promise((_resolve, reject) =>
          init.signal.addEventListener('abort', () => reject(new Error('aborted'))),
        ),
      { config: { ...tv.config, webhooks: { ...tv.config.webhooks, timeoutMs: 50 } }, random: () => 0.5 },
    );
    await deliverDue(slow, { workerId: 'wkr_a' });
    expect(await delivery(id as string)).toMatchObject({
      status: 'pending',
      last_error: 'timeout',
      last_status_code: null,
    });
  });

  it('marks events for a vendor that publishes no webhook_uri disabled, without sending', async () => {
    const clientId = await knownVendor(undefined);
    const [id] = await emit(clientId);
    let posts = 0;
    await deliverDue(
      deps(async () => {
        posts++;
        return { status: 204 };
      }),
      { workerId: 'wkr_a' },
    );
    expect(posts).toBe(0);
    expect(await delivery(id as string)).toMatchObject({
      status: 'disabled',
      last_error: 'vendor publishes no webhook_uri',
    });
  });

  it('refuses to deliver to private, loopback and link-local addresses, and to plain http, outside development mode', async () => {
    const post = guardedWebhookFetch({ allowLoopback: false });
    for (const uri of [
      'https://127.0.0.1/in',
      'https://localhost/in',
      'https://10.0.0.8/in',
      'https://192.168.1.1/in',
      'https://169.254.169.254/latest',
      'https://[::1]/in',
      'https://[::ffff:127.0.0.1]/in',
      'https://[fd00::1]/in',
      'http://93.184.215.14/in',
    ]) {
      const init = { method: 'POST' as const, headers: {}, body: '{}', signal: AbortSignal.timeout(2_000) };
      await expect(post(uri, init), uri).rejects.toMatchObject({ name: 'WebhookAddressError' });
    }
    // Through the worker: the attempt fails with a short reason and is retried later (the vendor may fix it).
    const clientId = await knownVendor('https://127.0.0.1:9/in');
    const [id] = await emit(clientId);
    await deliverDue(
      deps(undefined, { config: { ...tv.config, devAllowLocalVendors: false }, random: () => 0.5 }),
      {
        workerId: 'wkr_a',
      },
    );
    expect(await delivery(id as string)).toMatchObject({
      status: 'pending',
      last_error: 'webhook_uri is not on a public address',
    });
  });

  it('in development mode still refuses this machine to a vendor that is not on it', async () => {
    // A document cached before the metadata rule refused it: the delivery guard stands on its own.
    const receiver = createServer((_req, res) => res.writeHead(204).end());
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = receiver.address() as AddressInfo;
      const clientId = await knownVendor(`http://127.0.0.1:${port}/in`);
      const [id] = await emit(clientId);
      const dev = { config: { ...tv.config, devAllowLocalVendors: true }, random: () => 0.5 };
      await deliverDue(deps(undefined, dev), { workerId: 'wkr_a' });
      expect(await delivery(id as string)).toMatchObject({
        status: 'pending',
        last_error: 'webhook_uri must be https',
      });
    } finally {
      await new Promise<void>((resolve) => receiver.close(() => resolve()));
    }
  });

  it('keeps the webhook secret sealed at rest, the same on every collect', async () => {
    const clientId = await knownVendor('https://hooks.example/in');
    const [first, again] = await tv.vault.db
      .transaction()
      .execute(async (trx) => [
        await ensureWebhookSecret(tv.vault, trx, clientId),
        await ensureWebhookSecret(tv.vault, trx, clientId),
      ]);
    expect(first).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    expect(again).toBe(first);
    const row = await tv.vault.db
      .selectFrom('vendors')
      .select('webhook_secret_sealed')
      .where('client_id', '=', clientId)
      .executeTakeFirstOrThrow();
    const raw = Buffer.from(row.webhook_secret_sealed as Uint8Array);
    expect(raw.includes(Buffer.from(first as string))).toBe(false);
    expect(raw.includes(Buffer.from((first as string).slice(6), 'base64'))).toBe(false);
  });

  it('has at most a batch of requests in flight, however many events are due', async () => {
    const clientId = await knownVendor('https://hooks.example/in');
    const ids = await emit(clientId, 12);
    let inFlight = 0;
    let mostInFlight = 0;
    const worker = startDeliveryWorker(
      deps(async () => {
        mostInFlight = Math.max(mostInFlight, ++inFlight);
        await new Promise((resolve) => setTimeout(resolve, 100));
        inFlight--;
        return { status: 204 };
      }),
      { pollIntervalMs: 5, batchSize: 5 },
    );
    try {
      await expect
        .poll(
          async () =>
            (
              await tv.vault.db
                .selectFrom('deliveries')
                .select('event_id')
                .where('event_id', 'in', ids)
                .where('status', '=', 'delivered')
                .execute()
            ).length,
          { timeout: 10_000 },
        )
        .toBe(ids.length);
    } finally {
      await worker.stop();
    }
    expect(mostInFlight).toBeGreaterThan(1);
    expect(mostInFlight).toBeLessThanOrEqual(5);
  });
});
