/**
 * One clock for the vault and the vendors of a test: the vendor's SDK reads
 * the vault's time, and every wait it makes (polling, backoff) moves that time
 * on at once instead of sleeping, so no test waits on the wall clock.
 */
import { type Clock, clientErrorCodes, KithClientError } from '@kith/client';
import type { TestClock } from './test-vault.ts';

/**
 * The SDK's injectable clock over a test vault's clock: `now()` is the vault's,
 * `sleep(ms)` advances it by `ms` and resolves on the next turn.
 *
 * @example
 * const kith = createKithClient({ clientId, privateJwk, vault: vault.url, clock: sdkClock(vault.clock) });
 */
export function sdkClock(clock: TestClock): Clock {
  return {
    now: () => clock.now(),
    async sleep(ms, signal) {
      if (signal?.aborted)
        throw new KithClientError('ABORTED', clientErrorCodes.ABORTED, { cause: signal.reason });
      clock.advance(ms);
      // Let the other side of the wait (a server, a poller) run before the caller goes on.
      await new Promise<void>((resolve) => setImmediate(resolve));
    },
  };
}
