import { getConnInfo } from '@hono/node-server/conninfo';
import type { Context } from 'hono';

/**
 * The peer's address, for rate limits. Forwarded headers are not trusted: any
 * client can write them. Behind a proxy every client shares the proxy's
 * address, so limits there are per proxy, which errs on the safe side.
 */
export function clientAddress(c: Context): string {
  try {
    return getConnInfo(c).remote.address ?? 'unknown';
  } catch {
    // Requests handed to app.request() in tests have no socket.
    return 'unknown';
  }
}
