import { CLIENT_ASSERTION_TYPE, type Discovery } from '@kith/schemas';
import { createClientAssertion } from './client-assertion.ts';
import { clientError } from './errors.ts';
import type { Transport } from './http.ts';
import type { SigningKey } from './signing-key.ts';

/** What every operation of a client shares; built once by `createKithClient`. */
export interface KithContext {
  clientId: string;
  /** The default vault, if the client was created with one. */
  vault: string | undefined;
  transport: Transport;
  signingKey(): Promise<SigningKey>;
  discover(vault: string, signal?: AbortSignal): Promise<Discovery>;
}

/**
 * The vault an operation talks to: the one it names, else the client's default.
 *
 * @example
 * chooseVault(context, undefined) // context.vault, or throws INVALID_ARGUMENT
 */
export function chooseVault(context: KithContext, vault: string | undefined): string {
  const chosen = vault ?? context.vault;
  if (chosen === undefined) {
    throw clientError('INVALID_ARGUMENT', {
      detail: 'Name a vault: pass { vault } here or to createKithClient.',
    });
  }
  return chosen;
}

/**
 * The `private_key_jwt` members of a request body (RFC 7523 §2.2), with a fresh assertion.
 *
 * @example
 * const body = { ...(await clientAuthentication(context, discovery.issuer)), request_id: id };
 */
export async function clientAuthentication(
  context: KithContext,
  issuer: string,
  claims?: Record<string, unknown>,
): Promise<{ client_assertion_type: typeof CLIENT_ASSERTION_TYPE; client_assertion: string }> {
  const assertion = await createClientAssertion({
    key: await context.signingKey(),
    clientId: context.clientId,
    audience: issuer,
    now: context.transport.clock.now(),
    ...(claims ? { claims } : {}),
  });
  return { client_assertion_type: CLIENT_ASSERTION_TYPE, client_assertion: assertion };
}
