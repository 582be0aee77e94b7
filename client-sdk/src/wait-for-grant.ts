import { type CollectedGrant, collectGrant } from './collect-grant.ts';
import type { KithContext } from './context.ts';
import { clientError, isKithClientError } from './errors.ts';

/** RFC 8628 §3.5: "If no value is provided, clients MUST use 5 as the default." */
export const DEFAULT_POLL_INTERVAL_SECONDS = 5;
/** RFC 8628 §3.5: on `slow_down`, "the interval MUST be increased by 5 seconds for this and all subsequent requests". */
export const SLOW_DOWN_INCREMENT_SECONDS = 5;

/** Options of {@link waitForGrant}. */
export interface WaitForGrantOptions {
  /** The vault the request went to; defaults to the client's `vault`. */
  vault?: string;
  /** The `id` of the grant request. */
  requestId: string;
  /** Seconds between polls: the request's `interval`. Default 5. */
  interval?: number;
  /** Stop waiting (throws `ABORTED`). */
  signal?: AbortSignal;
  /** Give up after this many milliseconds (throws `TIMEOUT`); by default, wait until the vault says the request expired. */
  timeoutMs?: number;
}

/**
 * Polls a vault until the owner answers a grant request (RFC 8628 §3.4–3.5):
 * waits `interval` seconds between polls, adds 5 seconds on every `SLOW_DOWN`,
 * and resolves with the grant — or throws `ACCESS_DENIED` (the owner declined),
 * `EXPIRED_TOKEN` (nobody answered in time), `TIMEOUT` or `ABORTED`.
 *
 * @example
 * const request = await kith.requestGrant({ vault, fields: ['name', 'email'], purpose: 'customer_care', duration: '1h' });
 * agent.say(`Please approve ${request.userCode} in your Kith vault.`);
 * const collected = await kith.waitForGrant({ vault, requestId: request.id, interval: request.interval, timeoutMs: 5 * 60_000 });
 */
export async function waitForGrant(
  context: KithContext,
  options: WaitForGrantOptions,
): Promise<CollectedGrant> {
  const { clock } = context.transport;
  const { requestId, signal, timeoutMs } = options;
  let intervalSeconds = options.interval ?? DEFAULT_POLL_INTERVAL_SECONDS;
  if (!Number.isFinite(intervalSeconds) || intervalSeconds < 0) {
    throw clientError('INVALID_ARGUMENT', { detail: 'interval must be a number of seconds ≥ 0.' });
  }
  const deadline = timeoutMs === undefined ? undefined : clock.now() + timeoutMs;

  for (;;) {
    const waitMs = intervalSeconds * 1000;
    if (deadline !== undefined && clock.now() + waitMs > deadline) {
      throw clientError('TIMEOUT', { detail: `The owner did not answer within ${timeoutMs} ms.` });
    }
    // RFC 8628 §3.4: the client polls "at a reasonable interval", never faster than the vault asked.
    await clock.sleep(waitMs, signal);
    try {
      return await collectGrant(context, { vault: options.vault, requestId, signal });
    } catch (error) {
      if (isKithClientError(error, 'AUTHORIZATION_PENDING')) continue;
      if (isKithClientError(error, 'SLOW_DOWN')) {
        intervalSeconds += SLOW_DOWN_INCREMENT_SECONDS;
        continue;
      }
      throw error;
    }
  }
}
