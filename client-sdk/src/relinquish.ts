import type { KithContext } from './context.ts';
import { createDpopProof } from './dpop.ts';
import { readGrantToken } from './grant-token.ts';
import { send } from './http.ts';

/** Options of {@link relinquish}. */
export interface RelinquishOptions {
  signal?: AbortSignal;
}

/**
 * Gives a grant back: the vault revokes it at once and tells the owner. Use it
 * when you no longer need the person's data (account closed, order delivered),
 * then delete your copy.
 *
 * @example
 * await kith.relinquish(customer.grant);
 * await db.deleteCustomerData(customer.id);
 */
export async function relinquish(
  context: KithContext,
  grant: string,
  options: RelinquishOptions = {},
): Promise<void> {
  const { iss } = readGrantToken(grant);
  const discovery = await context.discover(iss, options.signal);
  const key = await context.signingKey();
  const response = await send(
    context.transport,
    async () => ({
      url: discovery.relinquish_endpoint,
      init: {
        method: 'POST',
        headers: {
          accept: 'application/json',
          authorization: `DPoP ${grant}`,
          dpop: await createDpopProof({
            key,
            htm: 'POST',
            htu: discovery.relinquish_endpoint,
            accessToken: grant,
            now: context.transport.clock.now(),
          }),
        },
      },
    }),
    options.signal,
  );
  await response.body?.cancel();
}
