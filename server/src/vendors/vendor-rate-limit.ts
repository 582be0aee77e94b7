import type { MiddlewareHandler } from 'hono';
import type { Clock } from '../clock.ts';
import type { Config } from '../config.ts';
import type { Db } from '../db/database.ts';
import type { AppEnv } from '../env.ts';
import { clientAddress } from '../http/client-address.ts';
import { KithError } from '../http/kith-error.ts';
import type { VaultKeys } from '../keys/vault-keys.ts';
import { hitRateLimit } from '../owners/rate-limit.repository.ts';

export interface VendorRateLimitDeps {
  db: Db;
  keys: VaultKeys;
  clock: Clock;
  config: Pick<Config, 'vendorRateLimit'>;
}

/**
 * Limits the vendor endpoints that run before any grant exists (asking,
 * collecting): each can make the vault fetch a metadata document, so an
 * unauthenticated caller must not be able to turn the vault into a fetcher.
 * Counted per client address in the database, shared by every process.
 * Redeems are not counted here: they carry a grant and are the hot path.
 */
export function limitVendorRequests(deps: VendorRateLimitDeps): MiddlewareHandler<AppEnv> {
  const { maxRequests, windowMs } = deps.config.vendorRateLimit;
  return async function limitVendorRequests(c, next) {
    const key = `vendor:${deps.keys.blindIndex('rate-limit', clientAddress(c))}`;
    const count = await hitRateLimit(deps.db, key, deps.clock.now(), windowMs);
    if (count > maxRequests) {
      // RFC 6585 §4 with RFC 9110 §10.2.3: say when to come back.
      throw new KithError('RATE_LIMITED', { headers: { 'retry-after': String(Math.ceil(windowMs / 1000)) } });
    }
    await next();
  };
}
