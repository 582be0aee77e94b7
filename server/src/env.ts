import type { Logger } from 'pino';

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
}

export interface AppEnv {
  Variables: AppVariables;
}
