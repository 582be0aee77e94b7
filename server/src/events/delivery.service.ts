import { createHmac } from 'node:crypto';
import { WEBHOOK_ATTEMPT_HEADER, WEBHOOK_KEY_ID_HEADER } from '@kith/schemas';
import type { Logger } from 'pino';
import { type Config, isLoopbackHost } from '../config.ts';
import type { Executor } from '../db/database.ts';
import { newId } from '../ids.ts';
import { type SigningKeyDeps, signBytes, vaultIssuer } from '../keys/signing-key.service.ts';
import { resolveVendor, type VendorDeps } from '../vendors/resolve-vendor.ts';
import { findVendor } from '../vendors/vendor.repository.ts';
import {
  type ClaimedDelivery,
  claimDueDeliveries,
  countDeliveries,
  disableVendorDeliveries,
  findDisabledWebhook,
  insertDisabledWebhook,
  recordAttempt,
} from './delivery.repository.ts';
import { openWebhookSecret, WEBHOOK_SECRET_PREFIX } from './event.service.ts';
import { guardedWebhookFetch, WebhookAddressError, type WebhookFetch } from './webhook-transport.ts';

export interface DeliveryDeps extends SigningKeyDeps, Pick<VendorDeps, 'vendorFetches'> {
  logger: Logger;
  config: Pick<Config, 'publicUrl' | 'devAllowLocalVendors' | 'webhooks'>;
  /** How webhooks are POSTed; the guarded transport (public addresses only) unless a test hands in another. */
  fetch?: WebhookFetch;
  /** A number in [0, 1) for backoff jitter; `Math.random` unless a test hands in another. */
  random?: () => number;
}

export interface DeliveryOptions {
  /** Names this worker in its claims; unique per process. */
  workerId?: string;
  /** How often to look for due deliveries when there were none. */
  pollIntervalMs?: number;
  /**
   * How many deliveries one claim takes, and so how many requests are in
   * flight at once; 10 unless given (the server passes `KITH_DELIVERY_BATCH_SIZE`).
   */
  batchSize?: number;
  /** The first retry waits up to this long; each later one up to twice the one before. */
  baseDelayMs?: number;
  /** No single wait is longer than this. */
  maxDelayMs?: number;
}

/** A running delivery worker. */
export interface DeliveryWorker {
  id: string;
  /** Stops claiming, and resolves once the attempts in flight have been recorded. */
  stop(): Promise<void>;
}

/** Whether an owner's events reach one vendor, for the owner's vendor page. */
export interface DeliveryHealth {
  /** When an event last reached the vendor (epoch ms), or null if none ever did. */
  lastDeliveredAt: number | null;
  /** Events not delivered yet, retries included. */
  pending: number;
  /** Of those, how many failed at least once and are waiting for their next attempt. */
  failing: number;
  /** Events given up after the retry period. */
  failed: number;
  /** The vendor's endpoint answered 410 Gone: nothing is sent to it any more. */
  disabled: boolean;
}

const BASE_DELAY_MS = 5_000;
const MAX_DELAY_MS = 6 * 3_600_000;
// A claim outlives the attempt's timeout, so only a dead worker's claim lapses.
const CLAIM_MARGIN_MS = 30_000;

/**
 * Starts delivering events: claims due deliveries, POSTs them, records the
 * outcome, and looks again every `pollIntervalMs`. Any number of workers may
 * share one database; no attempt is made twice.
 *
 * @example
 * const worker = startDeliveryWorker({ db, keys, clock, logger, config });
 * process.once('SIGTERM', () => worker.stop());
 */
export function startDeliveryWorker(deps: DeliveryDeps, options: DeliveryOptions = {}): DeliveryWorker {
  const settings = { ...options, workerId: options.workerId ?? newId('wkr') };
  const pollIntervalMs = options.pollIntervalMs ?? 1_000;
  const batchSize = options.batchSize ?? 10;
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> = Promise.resolve();

  const run = async () => {
    try {
      // A full batch means more may be due: claim again at once.
      while (!stopped && (await deliverDue(deps, settings)) >= batchSize) {}
    } catch (error) {
      deps.logger.error(
        { err: { type: (error as Error).name }, worker: settings.workerId },
        'webhook delivery pass failed',
      );
    }
    if (!stopped) timer = setTimeout(() => (running = run()), pollIntervalMs);
  };
  running = run();

  return {
    id: settings.workerId,
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await running;
    },
  };
}

/**
 * One pass: claims up to `batchSize` due deliveries and attempts each once.
 * Answers how many were claimed.
 *
 * @example
 * await deliverDue(deps, { workerId: 'wkr_test' });
 */
export async function deliverDue(
  deps: DeliveryDeps,
  options: DeliveryOptions & { workerId: string },
): Promise<number> {
  const now = deps.clock.now();
  const claimed = await claimDueDeliveries(deps.db, {
    worker: options.workerId,
    now,
    claimedUntil: now + deps.config.webhooks.timeoutMs + CLAIM_MARGIN_MS,
    limit: options.batchSize ?? 10,
  });
  await Promise.all(claimed.map((delivery) => attempt(deps, options, delivery)));
  return claimed.length;
}

/**
 * Whether an owner's events reach a vendor: when one last arrived, how many
 * wait, how many are failing, and whether the endpoint was disabled.
 *
 * @example
 * const { lastDeliveredAt, failing, disabled } = await deliveryHealth(db, owner.id, clientId);
 */
export async function deliveryHealth(
  db: Executor,
  ownerId: string,
  clientId: string,
): Promise<DeliveryHealth> {
  const counts = await countDeliveries(db, ownerId, clientId);
  const of = (status: string) => counts.find((c) => c.status === status);
  const [disabledWebhook, vendor] = await Promise.all([
    findDisabledWebhook(db, clientId),
    findVendor(db, clientId),
  ]);
  const webhookUri = vendor
    ? (JSON.parse(vendor.metadata) as { webhook_uri?: string }).webhook_uri
    : undefined;
  return {
    lastDeliveredAt: of('delivered')?.last_delivered_at ?? null,
    pending: of('pending')?.count ?? 0,
    failing: of('pending')?.retrying ?? 0,
    failed: of('failed')?.count ?? 0,
    disabled: disabledWebhook !== undefined && disabledWebhook.webhook_uri === webhookUri,
  };
}

/** The Standard Webhooks signed content: `msg_id.timestamp.payload`. */
export function signedContent(id: string, timestamp: number, body: string): Buffer {
  return Buffer.from(`${id}.${timestamp}.${body}`, 'utf8');
}

/**
 * The `webhook-signature` value: `v1,<HMAC-SHA256>` with the vendor's
 * secret (what stock Standard Webhooks libraries verify) and
 * `v1a,<Ed25519>` with the vault's current key, space-separated.
 */
export async function signWebhook(
  deps: SigningKeyDeps,
  input: { id: string; timestamp: number; body: string; secret: string | undefined },
): Promise<{ signature: string; kid: string }> {
  const content = signedContent(input.id, input.timestamp, input.body);
  const asymmetric = await signBytes(deps, content);
  const signatures = [`v1a,${asymmetric.signature.toString('base64')}`];
  if (input.secret) {
    // Standard Webhooks: the HMAC key is the base64 part after `whsec_`, decoded.
    const key = Buffer.from(input.secret.slice(WEBHOOK_SECRET_PREFIX.length), 'base64');
    signatures.unshift(`v1,${createHmac('sha256', key).update(content).digest('base64')}`);
  }
  return { signature: signatures.join(' '), kid: asymmetric.kid };
}

type Outcome =
  | { kind: 'delivered'; statusCode: number }
  | { kind: 'gone'; statusCode: 410; webhookUri: string }
  | { kind: 'disabled'; error: string }
  | { kind: 'failed'; statusCode: number | null; error: string };

async function attempt(
  deps: DeliveryDeps,
  options: DeliveryOptions & { workerId: string },
  delivery: ClaimedDelivery,
) {
  const outcome = await send(deps, delivery).catch(
    (error: unknown): Outcome => ({ kind: 'failed', statusCode: null, error: shortError(error) }),
  );
  const claim = { eventId: delivery.id, worker: options.workerId, attempt: delivery.attempt };
  const now = deps.clock.now();
  deps.logger.info(
    { eventId: delivery.id, type: delivery.type, attempt: delivery.attempt, outcome: outcome.kind },
    'webhook attempt',
  );
  switch (outcome.kind) {
    case 'delivered':
      await recordAttempt(deps.db, claim, {
        status: 'delivered',
        statusCode: outcome.statusCode,
        error: null,
        deliveredAt: now,
      });
      return;
    case 'disabled':
      await recordAttempt(deps.db, claim, { status: 'disabled', statusCode: null, error: outcome.error });
      return;
    case 'gone':
      // Standard Webhooks: 410 Gone means "stop sending"; the endpoint is disabled, not just this event.
      await deps.db.transaction().execute(async (trx) => {
        await insertDisabledWebhook(trx, {
          client_id: delivery.client_id,
          webhook_uri: outcome.webhookUri,
          disabled_at: now,
        });
        await recordAttempt(trx, claim, {
          status: 'disabled',
          statusCode: 410,
          error: 'endpoint answered 410 Gone',
        });
        await disableVendorDeliveries(trx, delivery.client_id, 'endpoint answered 410 Gone');
      });
      deps.logger.warn(
        { eventId: delivery.id },
        'a vendor webhook endpoint answered 410 Gone; it is disabled',
      );
      return;
    case 'failed': {
      const ceiling = Math.min(
        options.maxDelayMs ?? MAX_DELAY_MS,
        (options.baseDelayMs ?? BASE_DELAY_MS) * 2 ** Math.min(delivery.attempt - 1, 30),
      );
      // Full jitter: anywhere up to the ceiling, so retries of many events spread out.
      const nextAttemptAt = now + Math.floor((deps.random ?? Math.random)() * ceiling);
      const giveUp = nextAttemptAt - delivery.created_at > deps.config.webhooks.retryForMs;
      await recordAttempt(deps.db, claim, {
        status: giveUp ? 'failed' : 'pending',
        statusCode: outcome.statusCode,
        error: outcome.error,
        ...(giveUp ? {} : { nextAttemptAt }),
      });
      return;
    }
  }
}

async function send(deps: DeliveryDeps, delivery: ClaimedDelivery): Promise<Outcome> {
  let webhookUri: string | undefined;
  try {
    ({
      metadata: { webhook_uri: webhookUri },
    } = await resolveVendor(
      { db: deps.db, clock: deps.clock, config: deps.config, vendorFetches: deps.vendorFetches },
      delivery.client_id,
    ));
  } catch {
    return { kind: 'failed', statusCode: null, error: 'vendor metadata unavailable' };
  }
  if (webhookUri === undefined) return { kind: 'disabled', error: 'vendor publishes no webhook_uri' };
  const disabled = await findDisabledWebhook(deps.db, delivery.client_id);
  if (disabled?.webhook_uri === webhookUri) return { kind: 'disabled', error: 'endpoint answered 410 Gone' };

  const vendor = await findVendor(deps.db, delivery.client_id);
  const secret = vendor?.webhook_secret_sealed
    ? openWebhookSecret(deps, delivery.client_id, vendor.webhook_secret_sealed)
    : undefined;
  const body = JSON.stringify({
    type: delivery.type,
    id: delivery.id,
    // Names the vault, so one vendor endpoint can serve many vaults.
    iss: vaultIssuer(deps),
    sequence: delivery.sequence,
    timestamp: new Date(delivery.created_at).toISOString(),
    data: JSON.parse(delivery.payload),
  });
  const timestamp = Math.floor(deps.clock.now() / 1000);
  const { signature, kid } = await signWebhook(deps, { id: delivery.id, timestamp, body, secret });

  // In development mode this machine is reachable for a vendor on this machine only: a vendor on
  // the internet whose host name resolves here gets no further than any other.
  const allowLoopback =
    deps.config.devAllowLocalVendors && isLoopbackHost(new URL(delivery.client_id).hostname);
  const post = deps.fetch ?? guardedWebhookFetch({ allowLoopback });
  const controller = new AbortController();
  // The whole attempt, reading the answer included: the transport settles only once it has let go of the socket.
  const timer = setTimeout(() => controller.abort(), deps.config.webhooks.timeoutMs);
  try {
    const { status } = await post(webhookUri, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'user-agent': 'Kith-Webhooks/1',
        'webhook-id': delivery.id,
        'webhook-timestamp': String(timestamp),
        'webhook-signature': signature,
        [WEBHOOK_KEY_ID_HEADER]: kid,
        [WEBHOOK_ATTEMPT_HEADER]: String(delivery.attempt),
      },
      body,
      signal: controller.signal,
    });
    if (status >= 200 && status < 300) return { kind: 'delivered', statusCode: status };
    if (status === 410) return { kind: 'gone', statusCode: 410, webhookUri };
    return { kind: 'failed', statusCode: status, error: `HTTP ${status}` };
  } catch (error) {
    return {
      kind: 'failed',
      statusCode: null,
      error: controller.signal.aborted ? 'timeout' : shortError(error),
    };
  } finally {
    clearTimeout(timer);
  }
}

// Short and generic: never the vendor's answer, never a value from the event.
function shortError(error: unknown): string {
  if (error instanceof WebhookAddressError) return error.message;
  const code = (error as { code?: unknown }).code ?? (error as { cause?: { code?: unknown } }).cause?.code;
  return typeof code === 'string' && /^[A-Z_]{2,40}$/.test(code)
    ? `connection failed (${code})`
    : 'connection failed';
}
