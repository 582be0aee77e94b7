/**
 * A vendor for tests: a real key pair, the real SDK, and its metadata document
 * served over real HTTP on 127.0.0.1 (so the vault fetches it for real, in
 * development mode). With `webhooks: true` it also runs a webhook receiver on
 * a port of its own, named as `webhook_uri` in the metadata, that records
 * every request and answers what the test tells it to (or is down).
 */
import { createServer, type Server } from 'node:http';
import { serve } from '@hono/node-server';
import {
  type Clock,
  type CollectedGrant,
  createKithClient,
  generateKeyPair,
  type KithClient,
  loadSigningKey,
  type SigningKey,
  systemClock,
} from '@kith/client';
import { Hono } from 'hono';
import { requestJson } from './http.ts';
import { freePort } from './postgres-cluster.ts';
import { sdkClock } from './test-clock.ts';
import type { TestClock, TestVault } from './test-vault.ts';

export interface TestVendor {
  clientId: string;
  client: KithClient;
  origin: string;
  /** The vendor's own signing key, for tests that build proofs by hand. */
  key: SigningKey;
  /** The `webhook_secret` the vault last returned when this vendor collected a grant. */
  webhookSecret(): string | undefined;
  /** The webhook receiver, when started with `webhooks: true`. */
  webhooks: WebhookReceiver;
  stop(): Promise<void>;
}

/** One request the receiver got, as it arrived. */
export interface WebhookReceipt {
  id: string;
  attempt: number;
  headers: Record<string, string>;
  body: string;
  /** What the receiver answered. */
  status: number;
  receivedAt: number;
}

export interface WebhookReceiver {
  uri: string;
  receipts: WebhookReceipt[];
  /** Answer every request with this status from now on (default 204). */
  respondWith(status: number): void;
  /** Stop listening: connections are refused until `comeBack()`. */
  goDown(): Promise<void>;
  /** Listen again on the same port. */
  comeBack(): Promise<void>;
  /** Resolves once `predicate` holds for the receipts (polled), or rejects after `timeoutMs`. */
  waitFor(predicate: (receipts: WebhookReceipt[]) => boolean, timeoutMs?: number): Promise<void>;
}

/**
 * Starts a test vendor for a vault. Given the vault itself (not only its URL),
 * the vendor's SDK keeps the vault's time ({@link sdkClock}): advancing the
 * vault's clock moves the vendor's too, and the SDK's waits advance it instead
 * of sleeping.
 *
 * @example
 * const shop = await startTestVendor({ vault }); // vault: a LiveVault
 * vault.clock.advance(31 * 86_400_000);
 */
export async function startTestVendor(options: {
  /** The vault, or just its URL (the vendor then runs on the wall clock). */
  vault: string | { url: string; clock: TestClock };
  name?: string;
  redirectPath?: string;
  alg?: 'EdDSA' | 'ES256';
  webhooks?: boolean;
  /** A clock for the vendor's SDK when given only the vault's URL: at least `now`, the rest from the system clock. */
  clock?: Partial<Clock> & { now(): number };
  /** The SDK's retries, as a vendor would leave them by default; none unless asked, so a test sees each answer. */
  retry?: 'sdk-default';
}): Promise<TestVendor> {
  const port = await freePort();
  const origin = `http://127.0.0.1:${port}`;
  const clientId = `${origin}/.well-known/kith-client.json`;
  const receiver = options.webhooks ? await startReceiver() : undefined;
  const { privateJwk } = await generateKeyPair({ alg: options.alg ?? 'EdDSA' });
  let webhookSecret: string | undefined;
  // Reads the secret out of collect answers, as a vendor's own code would.
  const tap: typeof fetch = async (input, init) => {
    const response = await fetch(input, init);
    if (String(input instanceof Request ? input.url : input).endsWith('/v1/grants/collect') && response.ok) {
      const body = (await response.clone().json()) as { webhook_secret?: string };
      webhookSecret = body.webhook_secret ?? webhookSecret;
    }
    return response;
  };
  const vault = typeof options.vault === 'string' ? { url: options.vault } : options.vault;
  const client = createKithClient({
    clientId,
    privateJwk,
    vault: vault.url,
    ...(options.retry === 'sdk-default' ? {} : { retry: { retries: 0 } }),
    fetch: tap,
    ...('clock' in vault
      ? { clock: sdkClock(vault.clock) }
      : options.clock
        ? { clock: { ...systemClock, ...options.clock, now: () => options.clock?.now() ?? Date.now() } }
        : {}),
  });
  const metadata = await client.metadataDocument({
    clientName: options.name ?? 'Test Shop',
    redirectUris: [`${origin}${options.redirectPath ?? '/kith/callback'}`],
    ...(receiver ? { webhookUri: receiver.uri } : {}),
  });
  const app = new Hono();
  app.get('/.well-known/kith-client.json', (c) => c.json(metadata));
  const server = serve({ fetch: app.fetch, port, hostname: '127.0.0.1' });
  await new Promise<void>((resolve) => server.once('listening', () => resolve()));
  return {
    clientId,
    client,
    origin,
    key: await loadSigningKey(privateJwk),
    webhookSecret: () => webhookSecret,
    get webhooks(): WebhookReceiver {
      if (!receiver) throw new Error('this test vendor was started without webhooks: true');
      return receiver;
    },
    async stop() {
      await receiver?.goDown();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

async function startReceiver(): Promise<WebhookReceiver> {
  const port = await freePort();
  const receipts: WebhookReceipt[] = [];
  let status = 204;
  let server: Server | undefined;

  const listen = async () => {
    const created = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        const headers = Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k, String(v)]));
        receipts.push({
          id: headers['webhook-id'] ?? '',
          attempt: Number(headers['webhook-attempt'] ?? 0),
          headers,
          body: Buffer.concat(chunks).toString('utf8'),
          status,
          receivedAt: Date.now(),
        });
        res.writeHead(status).end();
      });
    });
    await new Promise<void>((resolve, reject) => {
      created.once('error', reject);
      created.listen(port, '127.0.0.1', () => resolve());
    });
    server = created;
  };
  await listen();

  return {
    uri: `http://127.0.0.1:${port}/kith/webhooks`,
    receipts,
    respondWith(next) {
      status = next;
    },
    async goDown() {
      const running = server;
      server = undefined;
      if (!running) return;
      running.closeAllConnections();
      await new Promise<void>((resolve) => running.close(() => resolve()));
    },
    async comeBack() {
      if (!server) await listen();
    },
    async waitFor(predicate, timeoutMs = 10_000) {
      const deadline = Date.now() + timeoutMs;
      while (!predicate(receipts)) {
        if (Date.now() > deadline)
          throw new Error(
            `webhook receiver: still waiting after ${timeoutMs} ms (${receipts.length} receipts)`,
          );
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
    },
  };
}

/**
 * The whole grant flow as one step: `vendor` asks through the SDK for
 * `fields` (purpose delivery, 30 days), the signed-in owner approves all of
 * it, and the vendor collects.
 *
 * @example
 * const grant = await grantThroughSdk(vault, vendor, owner, ['email']);
 */
export async function grantThroughSdk(
  vault: TestVault,
  vendor: TestVendor,
  owner: { cookie: string },
  fields: string[],
): Promise<CollectedGrant> {
  const request = await vendor.client.requestGrant({
    fields: fields as never,
    purpose: 'delivery',
    duration: '30d',
  });
  const approved = await requestJson(vault.app, `/v1/me/grant-requests/${request.id}/approve`, {
    method: 'POST',
    cookie: owner.cookie,
    json: { optionalFields: [], contact: true },
  });
  if (approved.status !== 200) throw new Error(`approving ${request.id} answered ${approved.status}`);
  return vendor.client.collectGrant({ requestId: request.id });
}
