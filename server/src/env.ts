import type { Logger } from 'pino';

/** The owner a request acts for, once `requireOwner` let it through. */
export interface OwnerContext {
  id: string;
  sessionIdHash: string;
}

/** What `limitVendorRequests` learnt about one request, for `authenticateVendorWithinLimits`. */
export interface VendorLimitState {
  /** The client address spent its budget of unauthenticated requests. */
  addressThrottled: boolean;
  /** A vendor authenticated: the request counts against it, not the address. */
  authenticated: boolean;
}

/** Hono variables, declared once for every sub-app. */
export interface AppVariables {
  requestId: string;
  logger: Logger;
  owner: OwnerContext;
  /** Set by `limitVendorRequests` on the vendor endpoints that come before a grant. */
  vendorLimit: VendorLimitState;
}

export interface AppEnv {
  Variables: AppVariables;
}
