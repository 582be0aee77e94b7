import { WEBHOOK_KEY_ID_HEADER, type WebhookEvent, webhookEventSchema } from '@kith/schemas';
import { type Clock, systemClock } from './clock.ts';
import { clientError } from './errors.ts';
import { vaultIssuer } from './vault-url.ts';

/** A webhook as a server framework hands it over: its headers and its raw body, unparsed. */
export interface WebhookRequestLike {
  headers: Headers | Record<string, string | string[] | undefined>;
  /** The body exactly as received: the signature covers these bytes. */
  body: string | Uint8Array | ArrayBuffer;
}

/** Options of {@link verifyWebhook}: who may have signed, and what counts as fresh and new. */
export interface VerifyWebhookOptions {
  /** The vault's issuer URL: its published keys (`/.well-known/jwks.json`) verify the `v1a` signature. */
  vault?: string;
  /** The vault's JWKS, if you keep it yourself instead of naming the `vault`. */
  jwks?: { keys: JsonWebKey[] };
  /** Your webhook secret (`whsec_…`, from collecting a grant): verifies the `v1` signature. */
  secret?: string;
  /** How far `webhook-timestamp` may be from now, either way (default 300 s). */
  toleranceSeconds?: number;
  /**
   * Tells whether this `webhook-id` was already handled; record it in the
   * same step (an atomic insert), so two deliveries of one event cannot both
   * pass. Without it, duplicates are not detected.
   */
  seen?: (id: string) => boolean | Promise<boolean>;
  /** Your `fetch` for the JWKS; default `globalThis.fetch`. */
  fetch?: typeof globalThis.fetch;
  /** Where the time is read; default the real clock. */
  clock?: Pick<Clock, 'now'>;
}

// How long a vault's JWKS is reused, and how soon an unknown kid may fetch it again.
const JWKS_TTL_MS = 10 * 60_000;
const JWKS_REFRESH_COOLDOWN_MS = 30_000;

interface CachedJwks {
  fetchedAt: number;
  keys: Promise<Map<string, CryptoKey>>;
}
const jwksCache = new Map<string, CachedJwks>();

/**
 * Verifies a webhook from a Kith vault (Standard Webhooks) and answers the
 * typed event. Accepts a valid `v1a` signature (Ed25519, the vault's
 * published key, named by the `webhook-key-id` header) or a valid `v1`
 * signature (HMAC-SHA256 with your `secret`). Refuses with a
 * `KithClientError`: `WEBHOOK_SIGNATURE_INVALID` (missing headers, no valid
 * signature), `WEBHOOK_TIMESTAMP_INVALID` (outside the tolerance),
 * `WEBHOOK_REPLAYED` (`seen` knew the id). Answer 2xx to a replay: the
 * event was handled already.
 *
 * @example
 * app.post('/kith/webhooks', async (c) => {
 *   try {
 *     const event = await verifyWebhook(c.req.raw, { vault: 'https://vault.example', seen: (id) => db.markSeen(id) });
 *     if (event.type === 'profile.updated') await refresh(event.data.sub, event.data.grant_ids);
 *   } catch (error) {
 *     if (isKithClientError(error, 'WEBHOOK_REPLAYED')) return c.body(null, 204);
 *     if (isKithClientError(error, 'WEBHOOK_SIGNATURE_INVALID', 'WEBHOOK_TIMESTAMP_INVALID')) return c.body(null, 400);
 *     throw error;
 *   }
 *   return c.body(null, 204);
 * });
 */
export async function verifyWebhook(
  request: Request | WebhookRequestLike,
  options: VerifyWebhookOptions,
): Promise<WebhookEvent> {
  const { toleranceSeconds = 300, clock = systemClock } = options;
  if (options.vault === undefined && options.jwks === undefined && options.secret === undefined) {
    throw clientError('INVALID_ARGUMENT', { detail: 'verifyWebhook needs a vault, a jwks or a secret.' });
  }
  const header = headerReader(request.headers);
  const body =
    request instanceof Request ? new Uint8Array(await request.arrayBuffer()) : toBytes(request.body);

  // Standard Webhooks: webhook-id, webhook-timestamp and webhook-signature are all required.
  const id = header('webhook-id');
  const timestamp = header('webhook-timestamp');
  const signatures = header('webhook-signature');
  if (!id || !timestamp || !signatures) {
    throw clientError('WEBHOOK_SIGNATURE_INVALID', {
      detail: 'A webhook-id, webhook-timestamp or webhook-signature header is missing.',
    });
  }

  // Standard Webhooks: a timestamp outside the tolerance is refused, so a captured request cannot be replayed later.
  const now = Math.floor(clock.now() / 1000);
  if (!/^\d{1,12}$/.test(timestamp) || Math.abs(now - Number(timestamp)) > toleranceSeconds) {
    throw clientError('WEBHOOK_TIMESTAMP_INVALID');
  }

  // The signed content is `id.timestamp.body`, over the exact bytes received.
  const content = concat(new TextEncoder().encode(`${id}.${timestamp}.`), body);
  if (!(await anySignatureValid(options, signatures, header(WEBHOOK_KEY_ID_HEADER), content, clock))) {
    throw clientError('WEBHOOK_SIGNATURE_INVALID');
  }

  let event: WebhookEvent;
  try {
    event = webhookEventSchema.parse(JSON.parse(new TextDecoder().decode(body)));
  } catch (error) {
    throw clientError('INVALID_RESPONSE', { detail: 'The webhook body is not a Kith event.', cause: error });
  }
  // The body names the event it carries; it must be the one the headers signed for.
  if (event.id !== id)
    throw clientError('WEBHOOK_SIGNATURE_INVALID', { detail: 'The body is for another webhook-id.' });

  // The event names the vault it came from; the vault whose keys checked it must be that one, or
  // vault B could sign an event that says it comes from vault C.
  if (options.vault !== undefined && vaultIssuer(event.iss) !== vaultIssuer(options.vault)) {
    throw clientError('WEBHOOK_SIGNATURE_INVALID', { detail: 'The event names another vault (iss).' });
  }

  // At-least-once delivery: the same id may come again; only the first is new.
  if (options.seen && (await options.seen(id))) throw clientError('WEBHOOK_REPLAYED');
  return event;
}

async function anySignatureValid(
  options: VerifyWebhookOptions,
  header: string,
  kid: string | undefined,
  content: Uint8Array<ArrayBuffer>,
  clock: Pick<Clock, 'now'>,
): Promise<boolean> {
  // Standard Webhooks: space-separated `version,base64` pairs; any one valid is enough.
  for (const entry of header.split(' ')) {
    const comma = entry.indexOf(',');
    const version = entry.slice(0, comma);
    const signature = fromBase64(entry.slice(comma + 1));
    if (comma < 0 || !signature) continue;
    if (version === 'v1' && options.secret !== undefined) {
      if (await hmacValid(options.secret, signature, content)) return true;
    }
    if (version === 'v1a' && (options.vault !== undefined || options.jwks !== undefined)) {
      for (const key of await vaultKeys(options, kid, clock)) {
        if (await crypto.subtle.verify({ name: 'Ed25519' }, key, signature, content)) return true;
      }
    }
  }
  return false;
}

async function hmacValid(
  secret: string,
  signature: Uint8Array<ArrayBuffer>,
  content: Uint8Array<ArrayBuffer>,
): Promise<boolean> {
  // Standard Webhooks: the key is the base64 after the `whsec_` prefix, decoded.
  const raw = fromBase64(secret.startsWith('whsec_') ? secret.slice('whsec_'.length) : secret);
  if (!raw || raw.length === 0)
    throw clientError('INVALID_ARGUMENT', { detail: 'The webhook secret is not base64.' });
  const key = await crypto.subtle.importKey('raw', raw, { name: 'HMAC', hash: 'SHA-256' }, false, ['verify']);
  // WebCrypto compares in constant time.
  return crypto.subtle.verify('HMAC', key, signature, content);
}

// The keys that may have made a v1a signature: the one named by kid, or every Ed25519 key when none is named.
async function vaultKeys(options: VerifyWebhookOptions, kid: string | undefined, clock: Pick<Clock, 'now'>) {
  if (options.jwks) {
    const keys = await importKeys(options.jwks.keys);
    return kid === undefined ? [...keys.values()] : [keys.get(kid)].filter((k) => k !== undefined);
  }
  const issuer = vaultIssuer(options.vault as string);
  const fetchImpl = options.fetch ?? globalThis.fetch;
  const now = clock.now();
  let cached = jwksCache.get(issuer);
  if (!cached || now - cached.fetchedAt >= JWKS_TTL_MS) {
    cached = { fetchedAt: now, keys: fetchJwks(fetchImpl, issuer) };
    jwksCache.set(issuer, cached);
  }
  let keys = await settle(issuer, cached);
  // A kid we have not seen may be a key the vault rotated in since: fetch once more, not for every forged kid.
  if (kid !== undefined && !keys.has(kid) && now - cached.fetchedAt >= JWKS_REFRESH_COOLDOWN_MS) {
    cached = { fetchedAt: now, keys: fetchJwks(fetchImpl, issuer) };
    jwksCache.set(issuer, cached);
    keys = await settle(issuer, cached);
  }
  return kid === undefined ? [...keys.values()] : [keys.get(kid)].filter((k) => k !== undefined);
}

// A failed fetch is not remembered: the next webhook tries again.
async function settle(issuer: string, cached: CachedJwks): Promise<Map<string, CryptoKey>> {
  try {
    return await cached.keys;
  } catch (error) {
    if (jwksCache.get(issuer) === cached) jwksCache.delete(issuer);
    throw error;
  }
}

async function fetchJwks(
  fetchImpl: typeof globalThis.fetch,
  issuer: string,
): Promise<Map<string, CryptoKey>> {
  let response: Response;
  try {
    response = await fetchImpl(`${issuer}/.well-known/jwks.json`, {
      headers: { accept: 'application/json' },
    });
  } catch (error) {
    throw clientError('NETWORK_ERROR', {
      detail: `Fetching ${issuer}/.well-known/jwks.json failed.`,
      cause: error,
    });
  }
  let document: unknown;
  try {
    document = response.ok ? await response.json() : undefined;
  } catch {
    document = undefined;
  }
  const keys = (document as { keys?: unknown } | undefined)?.keys;
  if (!Array.isArray(keys)) {
    throw clientError('INVALID_RESPONSE', {
      detail: `${issuer}/.well-known/jwks.json is not a JWKS (HTTP ${response.status}).`,
    });
  }
  return importKeys(keys as JsonWebKey[]);
}

async function importKeys(jwks: JsonWebKey[]): Promise<Map<string, CryptoKey>> {
  const keys = new Map<string, CryptoKey>();
  for (const jwk of jwks as (JsonWebKey & { kid?: unknown })[]) {
    // The vault signs with Ed25519 only (RFC 8037); any other key cannot have made a v1a signature.
    if (
      jwk.kty !== 'OKP' ||
      jwk.crv !== 'Ed25519' ||
      typeof jwk.x !== 'string' ||
      typeof jwk.kid !== 'string'
    )
      continue;
    try {
      const key = await crypto.subtle.importKey(
        'jwk',
        { kty: 'OKP', crv: 'Ed25519', x: jwk.x },
        { name: 'Ed25519' },
        false,
        ['verify'],
      );
      keys.set(jwk.kid, key);
    } catch {
      // An unusable key verifies nothing; the others still may.
    }
  }
  return keys;
}

function headerReader(headers: WebhookRequestLike['headers']): (name: string) => string | undefined {
  if (headers instanceof Headers) return (name) => headers.get(name) ?? undefined;
  const lower = new Map(
    Object.entries(headers).map(([k, v]) => [k.toLowerCase(), Array.isArray(v) ? v.join(', ') : v]),
  );
  return (name) => lower.get(name) ?? undefined;
}

function toBytes(body: WebhookRequestLike['body']): Uint8Array<ArrayBuffer> {
  if (typeof body === 'string') return new TextEncoder().encode(body);
  // A copy: the caller's buffer may be shared or reused.
  return new Uint8Array(body instanceof Uint8Array ? body : new Uint8Array(body));
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}

function fromBase64(text: string): Uint8Array<ArrayBuffer> | undefined {
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(text)) return undefined;
  try {
    return Uint8Array.from(atob(text), (c) => c.charCodeAt(0));
  } catch {
    return undefined;
  }
}
