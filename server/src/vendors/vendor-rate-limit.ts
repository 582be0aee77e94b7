import type { Context, MiddlewareHandler } from 'hono';
import type { Clock } from '../clock.ts';
import type { Config } from '../config.ts';
import type { Db } from '../db/database.ts';
import type { AppEnv, VendorLimitState } from '../env.ts';
import { clientAddress } from '../http/client-address.ts';
import { KithError } from '../http/kith-error.ts';
import type { VaultKeys } from '../keys/vault-keys.ts';
import { hitRateLimit, readRateLimit } from '../rate-limit/rate-limit.repository.ts';
import {
  type AuthenticateVendorInput,
  authenticateVendor,
  type VendorDeps,
} from './verify-client-assertion.ts';

export interface VendorRateLimitDeps {
  db: Db;
  keys: VaultKeys;
  clock: Clock;
  config: Pick<Config, 'vendorRateLimit' | 'trustedProxies'>;
}

/**
 * Limits the vendor endpoints that run before any grant exists (asking,
 * collecting, acknowledging) in two separate budgets, both counted in the
 * database and shared by every process:
 *
 * - a request that authenticates counts against its vendor (client id), in
 *   `authenticateVendorWithinLimits`;
 * - one that does not counts against its client address, here, after it
 *   failed. Past that budget the address's failures answer `RATE_LIMITED`
 *   and it can no longer make the vault fetch a client id never seen before.
 *
 * So garbage from an address that vendors share (a proxy, a NAT) never
 * spends a real vendor's budget, and a real vendor is never refused because
 * of it. Redeems are not counted here: they carry a grant and are the hot path.
 */
export function limitVendorRequests(deps: VendorRateLimitDeps): MiddlewareHandler<AppEnv> {
  const { maxRequests, windowMs } = deps.config.vendorRateLimit;
  return async function limitVendorRequests(c, next) {
    const key = `vendor-address:${deps.keys.blindIndex('rate-limit', clientAddress(c, deps.config))}`;
    const spent = await readRateLimit(deps.db, key, deps.clock.now(), windowMs);
    const state: VendorLimitState = { addressThrottled: spent >= maxRequests, authenticated: false };
    c.set('vendorLimit', state);
    await next();
    if (state.authenticated) return;
    if ((await hitRateLimit(deps.db, key, deps.clock.now(), windowMs)) > maxRequests) {
      throw rateLimited(windowMs);
    }
  };
}

/**
 * `authenticateVendor` within the budgets `limitVendorRequests` keeps: an
 * address past its budget may still authenticate a vendor the vault knows,
 * and the vendor's own budget is counted once it did.
 *
 * @example
 * const vendor = await authenticateVendorWithinLimits(deps, c, {
 *   clientAssertionType: body.client_assertion_type,
 *   clientAssertion: body.client_assertion,
 *   endpoint: `${deps.config.publicUrl.origin}/v1/grant-requests`,
 * });
 */
export async function authenticateVendorWithinLimits(
  deps: VendorDeps & VendorRateLimitDeps,
  c: Context<AppEnv>,
  input: AuthenticateVendorInput,
): Promise<Awaited<ReturnType<typeof authenticateVendor>>> {
  const state = c.get('vendorLimit');
  // Without the middleware in front there is nothing to count against: refuse to run unlimited.
  if (!state) throw new Error('authenticateVendorWithinLimits needs limitVendorRequests in front');
  const vendor = await authenticateVendor(deps, { ...input, knownVendorsOnly: state.addressThrottled });
  state.authenticated = true;
  const { maxRequests, windowMs } = deps.config.vendorRateLimit;
  const key = `vendor-client:${deps.keys.blindIndex('rate-limit', vendor.clientId)}`;
  if ((await hitRateLimit(deps.db, key, deps.clock.now(), windowMs)) > maxRequests) {
    throw rateLimited(windowMs);
  }
  return vendor;
}

// RFC 6585 §4 with RFC 9110 §10.2.3: say when to come back.
function rateLimited(windowMs: number): KithError {
  return new KithError('RATE_LIMITED', { headers: { 'retry-after': String(Math.ceil(windowMs / 1000)) } });
}
