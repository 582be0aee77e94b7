import { type ErrorCode, problemSchema } from '@kith/schemas';
import type { Clock } from './clock.ts';
import { clientError, errorMessage, KithClientError } from './errors.ts';

/** How the SDK retries a request that failed for a passing reason (429, 5xx, network). */
export interface RetryOptions {
  /** Retries after the first attempt; `0` disables retrying. Default 3. */
  retries?: number;
  /** The first backoff step, in ms; it doubles on each retry. Default 250. */
  baseDelayMs?: number;
  /** The longest backoff step, in ms. Default 10 000. */
  maxDelayMs?: number;
  /** A `Retry-After` longer than this (ms) is not waited out: the error is thrown at once. Default 60 000. */
  maxRetryAfterMs?: number;
  /** The jitter source, in [0, 1). Default `Math.random`. */
  random?: () => number;
}

/** The part of a zod schema the SDK uses (kept structural, so the SDK needs no zod import of its own). */
export interface WireSchema<T> {
  safeParse(value: unknown): { success: true; data: T } | { success: false; error: unknown };
}

/** What every call of the SDK goes through. */
export interface Transport {
  fetch: typeof globalThis.fetch;
  clock: Clock;
  retry: Required<RetryOptions>;
  /** Per attempt, in ms. */
  timeoutMs: number;
}

/** One HTTP request, built afresh for every attempt (DPoP proofs and client assertions are single use). */
export interface OutgoingRequest {
  url: string;
  init: RequestInit;
}

/**
 * Fills in the defaults of {@link RetryOptions}.
 *
 * @example
 * resolveRetryOptions({ retries: 0 }).retries // 0
 */
export function resolveRetryOptions({
  retries = 3,
  baseDelayMs = 250,
  maxDelayMs = 10_000,
  maxRetryAfterMs = 60_000,
  random = Math.random,
}: RetryOptions = {}): Required<RetryOptions> {
  if (!Number.isInteger(retries) || retries < 0) {
    throw clientError('INVALID_ARGUMENT', { detail: 'retry.retries must be a whole number ≥ 0.' });
  }
  return { retries, baseDelayMs, maxDelayMs, maxRetryAfterMs, random };
}

/**
 * The wait before retry number `attempt + 1`: "full jitter" exponential backoff,
 * a random time up to `baseDelayMs · 2^attempt`, capped at `maxDelayMs`.
 *
 * @example
 * backoffDelay(2, { ...resolveRetryOptions(), random: () => 0.5 }) // 500
 */
export function backoffDelay(attempt: number, retry: Required<RetryOptions>): number {
  const ceiling = Math.min(retry.maxDelayMs, retry.baseDelayMs * 2 ** attempt);
  return Math.floor(retry.random() * ceiling);
}

/**
 * Reads `Retry-After` (RFC 9110 §10.2.3): delay-seconds or an HTTP-date; `undefined` if absent or unreadable.
 *
 * @example
 * parseRetryAfter('3', Date.now()) // 3000
 */
export function parseRetryAfter(value: string | null, now: number): number | undefined {
  if (value === null) return undefined;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000;
  // Otherwise an HTTP-date, e.g. `Sun, 06 Nov 1994 08:49:37 GMT`; never a bare number Date.parse would guess at.
  if (!/^[A-Za-z]{3}/.test(trimmed)) return undefined;
  const date = Date.parse(trimmed);
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, date - now);
}

// A response that is not a Kith problem document (a proxy's HTML page, say) still needs a code to switch on.
function fallbackCode(status: number): ErrorCode | 'INVALID_RESPONSE' {
  if (status === 429) return 'RATE_LIMITED';
  if (status === 502 || status === 503 || status === 504) return 'SERVICE_UNAVAILABLE';
  return 'INVALID_RESPONSE';
}

/**
 * Turns an error response into a {@link KithClientError}: a problem document
 * (RFC 9457) keeps the vault's `code`, `detail`, `errors` and `requestId`.
 *
 * @example
 * const error = await errorFromResponse(response, Date.now());
 * error.code // 'GRANT_REVOKED'
 */
export async function errorFromResponse(response: Response, now: number): Promise<KithClientError> {
  const retryAfterMs = parseRetryAfter(response.headers.get('retry-after'), now);
  const headerRequestId = response.headers.get('x-request-id') ?? undefined;
  let body: unknown;
  try {
    body = await response.json();
  } catch {
    body = undefined;
  }
  const problem = problemSchema.safeParse(body);
  if (problem.success) {
    const { code, title, detail, errors } = problem.data;
    return new KithClientError(code, errorMessage(title, detail), {
      status: response.status,
      detail,
      errors,
      requestId: problem.data.requestId ?? headerRequestId,
      retryAfterMs,
    });
  }
  const code = fallbackCode(response.status);
  return new KithClientError(code, `The vault answered HTTP ${response.status}.`, {
    status: response.status,
    requestId: headerRequestId,
    retryAfterMs,
    cause: problem.error,
  });
}

function isRetryableStatus(status: number): boolean {
  return status === 429 || status >= 500;
}

/**
 * Sends a request, retrying with exponential backoff and jitter on 429 (after
 * its `Retry-After`), 5xx and network failures — never on other 4xx. `build`
 * runs once per attempt so that each attempt carries fresh single-use proofs.
 * Resolves with a 2xx or 304 response; throws a {@link KithClientError} otherwise.
 *
 * @example
 * const response = await send(transport, async () => ({ url, init: { method: 'GET', headers } }));
 */
export async function send(
  transport: Transport,
  build: () => Promise<OutgoingRequest>,
  signal?: AbortSignal,
): Promise<Response> {
  const { clock, retry } = transport;
  for (let attempt = 0; ; attempt++) {
    if (signal?.aborted) throw clientError('ABORTED', { cause: signal.reason });
    const { url, init } = await build();
    const timeout = AbortSignal.timeout(transport.timeoutMs);
    const attemptSignal = signal ? AbortSignal.any([signal, timeout]) : timeout;

    let failure: KithClientError;
    try {
      const response = await transport.fetch(url, { ...init, signal: attemptSignal, redirect: 'manual' });
      if (response.ok || response.status === 304) return response;
      failure = await errorFromResponse(response, clock.now());
      if (!isRetryableStatus(response.status)) throw failure;
    } catch (error) {
      if (error instanceof KithClientError) throw error;
      if (signal?.aborted) throw clientError('ABORTED', { cause: signal.reason });
      failure = timeout.aborted
        ? clientError('TIMEOUT', {
            detail: `No answer from ${new URL(url).origin} within ${transport.timeoutMs} ms.`,
            cause: error,
          })
        : clientError('NETWORK_ERROR', { detail: `${init.method ?? 'GET'} ${url} failed.`, cause: error });
    }

    if (attempt >= retry.retries) throw failure;
    // RFC 9110 §10.2.3 / RFC 6585 §4: honour the server's Retry-After; never hammer a vault that asked us to wait.
    const asked = failure.retryAfterMs;
    if (asked !== undefined && asked > retry.maxRetryAfterMs) throw failure;
    await clock.sleep(asked ?? backoffDelay(attempt, retry), signal);
  }
}

/**
 * Reads a JSON body and checks it against a wire schema from `@kith/schemas`.
 *
 * @example
 * const created = await readJson(response, grantRequestCreatedSchema);
 */
export async function readJson<T>(response: Response, schema: WireSchema<T>): Promise<T> {
  let body: unknown;
  try {
    body = await response.json();
  } catch (error) {
    throw clientError('INVALID_RESPONSE', {
      status: response.status,
      detail: 'The body is not JSON.',
      cause: error,
    });
  }
  const parsed = schema.safeParse(body);
  if (!parsed.success) {
    throw clientError('INVALID_RESPONSE', {
      status: response.status,
      detail: `Unexpected body from ${response.url || 'the vault'}.`,
      cause: parsed.error,
    });
  }
  return parsed.data;
}
