import type { Logger } from 'pino';
import type { VendorLimitState } from './vendors/vendor-rate-limit.ts';

/** The owner a request acts for, once `requireOwner` let it through. */
export interface OwnerContext {
  id: string;
  sessionIdHash: string;
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
