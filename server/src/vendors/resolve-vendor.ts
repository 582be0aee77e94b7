import { lookup as dnsLookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import { type VendorMetadata, vendorMetadataSchema } from '@kith/schemas';
import type { Clock } from '../clock.ts';
import { type Config, isLoopbackHost } from '../config.ts';
import type { Db } from '../db/database.ts';
import { KithError } from '../http/kith-error.ts';
import type { LookupAll } from '../net/guarded-request.ts';
import { createPinnedFetch } from '../net/pinned-fetch.ts';
import { isLoopbackAddress, isPublicAddress } from '../net/public-address.ts';
import { importVendorJwk } from './public-jwk.ts';
import { findVendor, upsertVendor } from './vendor.repository.ts';
import { vendorDocumentProblem } from './vendor-document-rules.ts';

export interface VendorDeps {
  db: Db;
  clock: Clock;
  config: Pick<Config, 'devAllowLocalVendors'>;
  /**
   * How documents are fetched. By default a fetch that re-checks the address
   * it connects to (see `createPinnedFetch`); tests may hand in another.
   */
  fetch?: typeof fetch;
  /** Every address of a host name; `node:dns/promises` `lookup(all)` unless a test hands in another. */
  lookup?: (hostname: string) => Promise<{ address: string; family: number }[]>;
  /** How long a fetch may take, body included (default 5 s). */
  metadataTimeoutMs?: number;
  /** What the vault remembers of its vendor fetches in this process (`createVendorFetches`, made by `openVault`). */
  vendorFetches: VendorFetches;
}

/**
 * One vault's vendor fetches under way and recently made, in this process:
 * two vaults in one process share neither, as two server processes would not.
 */
export interface VendorFetches {
  /** Resolutions under way, by client id: concurrent requests of one vendor share one fetch. */
  inflight: Map<string, Promise<Vendor>>;
  /** When each vendor's document was last fetched again for an unknown key (resolve-vendor-key.ts). */
  unknownKeyRefetches: Map<string, number>;
}

/**
 * A vault's vendor fetches, none yet: one per vault, made by `openVault`.
 *
 * @example
 * const vendorFetches = createVendorFetches();
 * const vendor = await resolveVendor({ db, clock, config, vendorFetches }, clientId);
 */
export function createVendorFetches(): VendorFetches {
  return { inflight: new Map(), unknownKeyRefetches: new Map() };
}

export interface ResolveVendorOptions {
  /**
   * Refuse (`RATE_LIMITED`) a client id the vault never fetched before,
   * rather than fetch it: for callers past their budget of failures, who must
   * not be able to make the vault fetch URLs of their choosing.
   */
  knownOnly?: boolean;
}

/** A vendor as the vault knows it: its client id and its validated metadata document. */
export interface Vendor {
  clientId: string;
  metadata: VendorMetadata;
  fetchedAt: number;
  expiresAt: number;
}

/** The largest metadata document accepted, counted while it streams in. */
export const METADATA_MAX_BYTES = 64 * 1024;
export const METADATA_TIMEOUT_MS = 5_000;
const MAX_CLIENT_ID_LENGTH = 2048;
// A document is cached for its Cache-Control max-age, within these bounds.
const MIN_CACHE_MS = 5 * 60_000;
const MAX_CACHE_MS = 24 * 3_600_000;
const DEFAULT_CACHE_MS = 3_600_000;

/**
 * The vendor behind a client id: from the cache while fresh, otherwise
 * fetched from the client id itself (an HTTPS URL on a public address),
 * validated and cached. Every problem is `CLIENT_METADATA_INVALID` with a
 * detail for the vendor's developers; a refresh that fails is not papered
 * over with a stale copy.
 *
 * @example
 * const { metadata } = await resolveVendor(deps, 'https://shop.example/kith.json');
 */
export async function resolveVendor(
  deps: VendorDeps,
  clientId: string,
  options: ResolveVendorOptions = {},
): Promise<Vendor> {
  const url = parseClientId(deps, clientId);
  // Concurrent resolutions of one vendor share one cache read and at most one fetch.
  const pending = deps.vendorFetches.inflight;
  const running = pending.get(clientId);
  if (running) return running;
  // Not shared: its refusal of an unknown client id must not reach callers within their budget.
  if (options.knownOnly) return cachedOrFetched(deps, clientId, url, options);
  const resolving = cachedOrFetched(deps, clientId, url).finally(() => pending.delete(clientId));
  pending.set(clientId, resolving);
  return resolving;
}

async function cachedOrFetched(
  deps: VendorDeps,
  clientId: string,
  url: URL,
  options: ResolveVendorOptions = {},
): Promise<Vendor> {
  const cached = await findVendor(deps.db, clientId);
  // A client id never seen before is fetched only for a caller still within its budget.
  if (!cached && options.knownOnly) throw new KithError('RATE_LIMITED');
  if (cached && cached.expires_at > deps.clock.now()) {
    return {
      clientId,
      metadata: JSON.parse(cached.metadata) as VendorMetadata,
      fetchedAt: cached.fetched_at,
      expiresAt: cached.expires_at,
    };
  }
  return fetchVendor(deps, clientId, url);
}

async function fetchVendor(deps: VendorDeps, clientId: string, url: URL): Promise<Vendor> {
  await assertPublicHost(deps, url);
  const { text, cacheControl } = await download(deps, url);

  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw refuse('The document is not valid JSON.');
  }
  const parsed = vendorMetadataSchema.safeParse(json);
  if (!parsed.success) {
    const paths = [...new Set(parsed.error.issues.map((i) => i.path.join('.') || 'the document'))];
    throw refuse(`The document does not match the metadata schema at: ${paths.join(', ')}.`);
  }
  const metadata = parsed.data;
  // The document names itself: one fetched from elsewhere cannot speak for this client id.
  if (metadata.client_id !== clientId)
    throw refuse('The document client_id is not the URL it was fetched from.');
  const problem = vendorDocumentProblem(metadata, url, deps.config);
  if (problem) throw refuse(problem);
  for (const [index, jwk] of metadata.jwks.keys.entries()) {
    const imported = importVendorJwk(jwk);
    if ('problem' in imported) throw refuse(`jwks.keys.${index}: ${imported.problem}.`);
  }

  const fetchedAt = deps.clock.now();
  const expiresAt = fetchedAt + cacheLifetime(cacheControl);
  await upsertVendor(deps.db, {
    client_id: clientId,
    metadata: JSON.stringify(metadata),
    fetched_at: fetchedAt,
    expires_at: expiresAt,
  });
  return { clientId, metadata, fetchedAt, expiresAt };
}

function parseClientId(deps: VendorDeps, clientId: string): URL {
  if (clientId.length > MAX_CLIENT_ID_LENGTH) throw refuse('The client id is too long.');
  let url: URL;
  try {
    url = new URL(clientId);
  } catch {
    throw refuse('The client id is not a URL.');
  }
  // One spelling per vendor: the id must be the URL in its normal form, with no
  // credentials or fragment to smuggle a second meaning into it.
  if (url.username !== '' || url.password !== '' || url.hash !== '' || url.href !== clientId) {
    throw refuse('The client id must be a plain URL in normal form, without credentials or fragment.');
  }
  const local = deps.config.devAllowLocalVendors && isLocalDevHost(url.hostname);
  if (url.protocol !== 'https:' && !(local && url.protocol === 'http:')) {
    throw refuse('The client id must be an https:// URL.');
  }
  return url;
}

// KITH_DEV_ALLOW_LOCAL_VENDORS admits this machine only: never other private addresses.
function isLocalDevHost(hostname: string): boolean {
  return isLoopbackHost(hostname);
}

async function assertPublicHost(deps: VendorDeps, url: URL): Promise<void> {
  if (deps.config.devAllowLocalVendors && isLocalDevHost(url.hostname)) return;
  const host = url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname;
  let addresses: string[];
  if (isIP(host)) {
    addresses = [host];
  } else {
    try {
      addresses = (await (deps.lookup ?? lookupAll)(host)).map((a) => a.address);
    } catch {
      throw refuse('The client id host name does not resolve.');
    }
  }
  // Every address, not just the first: the fetch may connect to any of them.
  if (addresses.length === 0 || !addresses.every(isPublicAddress)) {
    throw refuse('The client id must be on a public address, not a private, loopback or link-local one.');
  }
}

// What the connection may reach: in development mode this machine for a
// loopback client id, otherwise the public internet only.
function allowedAddresses(deps: VendorDeps, url: URL): (address: string) => boolean {
  return deps.config.devAllowLocalVendors && isLocalDevHost(url.hostname)
    ? isLoopbackAddress
    : isPublicAddress;
}

function pinnedLookup(deps: VendorDeps): LookupAll | undefined {
  const { lookup } = deps;
  if (!lookup) return undefined;
  return (hostname, callback) => {
    lookup(hostname).then(
      (addresses) => callback(null, addresses),
      (error: unknown) => callback(error instanceof Error ? error : new Error(String(error)), []),
    );
  };
}

function lookupAll(hostname: string) {
  return dnsLookup(hostname, { all: true, verbatim: true });
}

async function download(deps: VendorDeps, url: URL): Promise<{ text: string; cacheControl: string | null }> {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), deps.metadataTimeoutMs ?? METADATA_TIMEOUT_MS);
  try {
    let response: Response;
    try {
      response = await (deps.fetch ?? createPinnedFetch(allowedAddresses(deps, url), pinnedLookup(deps)))(
        url.href,
        {
          headers: { accept: 'application/json' },
          // A redirect could lead anywhere, a private address included; the document must be at its own id.
          redirect: 'manual',
          signal: controller.signal,
        },
      );
    } catch {
      throw refuse('The document could not be fetched.');
    }
    if (response.status !== 200) {
      await response.body?.cancel().catch(() => {});
      throw refuse(`Fetching the document answered HTTP ${response.status}; it must answer 200.`);
    }
    const type = response.headers.get('content-type')?.split(';')[0]?.trim().toLowerCase();
    if (type !== 'application/json') {
      await response.body?.cancel().catch(() => {});
      throw refuse('The document must be served as application/json.');
    }
    const declared = Number(response.headers.get('content-length') ?? 0);
    if (declared > METADATA_MAX_BYTES) {
      await response.body?.cancel().catch(() => {});
      throw refuse(`The document is larger than ${METADATA_MAX_BYTES} bytes.`);
    }
    const bytes = await readAtMost(response, METADATA_MAX_BYTES, controller);
    return {
      text: new TextDecoder('utf-8', { fatal: false }).decode(bytes),
      cacheControl: response.headers.get('cache-control'),
    };
  } finally {
    clearTimeout(timer);
  }
}

// Counted as it arrives: a missing or lying Content-Length changes nothing.
async function readAtMost(
  response: Response,
  limit: number,
  controller: AbortController,
): Promise<Uint8Array> {
  const reader = response.body?.getReader();
  if (!reader) return new Uint8Array();
  const chunks: Uint8Array[] = [];
  let total = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      total += value.byteLength;
      if (total > limit) {
        controller.abort();
        throw refuse(`The document is larger than ${limit} bytes.`);
      }
      chunks.push(value);
    }
  } catch (error) {
    if (error instanceof KithError) throw error;
    throw refuse('The document could not be read in time.');
  } finally {
    reader.releaseLock();
  }
  return Buffer.concat(chunks);
}

function cacheLifetime(cacheControl: string | null): number {
  if (!cacheControl) return DEFAULT_CACHE_MS;
  const directives = cacheControl
    .toLowerCase()
    .split(',')
    .map((d) => d.trim());
  if (directives.includes('no-store') || directives.includes('no-cache')) return MIN_CACHE_MS;
  const maxAge = directives.find((d) => d.startsWith('max-age='))?.slice('max-age='.length);
  if (maxAge === undefined || !/^\d+$/.test(maxAge)) return DEFAULT_CACHE_MS;
  return Math.min(MAX_CACHE_MS, Math.max(MIN_CACHE_MS, Number(maxAge) * 1000));
}

function refuse(detail: string): KithError {
  return new KithError('CLIENT_METADATA_INVALID', { detail });
}

/**
 * Fetches a vendor's metadata document again, whatever the cache says, and caches what it gets. Callers
 * bound how often (see `resolveVendorForKey`): never call it for every request.
 *
 * @example
 * const { metadata } = await refetchVendor(deps, 'https://shop.example/kith.json');
 */
export async function refetchVendor(deps: VendorDeps, clientId: string): Promise<Vendor> {
  return fetchVendor(deps, clientId, parseClientId(deps, clientId));
}
