import { type FieldPath, type FieldValue, redeemedDataSchema } from '@kith/schemas';
import type { KithContext } from './context.ts';
import { createDpopProof } from './dpop.ts';
import { readGrantToken } from './grant-token.ts';
import { readJson, send } from './http.ts';

/** Options of {@link redeem}. */
export interface RedeemOptions {
  /** The `etag` of the copy you hold: the vault answers `{ notModified: true }` if nothing changed. */
  ifNoneMatch?: string;
  signal?: AbortSignal;
}

/** The granted fields that are set, typed by path. */
export type RedeemedFields = { [P in FieldPath]?: FieldValue<P> };

/** The person's current data, as far as the grant allows. */
export interface RedeemedData {
  notModified?: false;
  /** The person's pairwise id for you. */
  sub: string;
  grantId: string;
  /** The profile version; it grows on every change. */
  version: number;
  /** Only the granted fields, and only those that are set. */
  fields: RedeemedFields;
  /** Pass it back as `ifNoneMatch` next time. */
  etag: string | undefined;
}

/** Nothing changed since the copy with this `etag`. */
export interface NotModified {
  notModified: true;
  etag: string | undefined;
}

/**
 * Reads the person's data with a grant. The grant names its vault (`iss`), so
 * no vault URL is needed; the request carries a DPoP proof made with your key
 * (RFC 9449), so a stolen grant is useless to anyone else. The vault checks the
 * grant on every call: expect `GRANT_REVOKED` / `GRANT_EXPIRED` at any time.
 *
 * @example
 * const result = await kith.redeem(customer.grant, { ifNoneMatch: customer.etag });
 * if (!result.notModified) {
 *   customer.address = result.fields.address;
 *   customer.etag = result.etag;
 * }
 */
export async function redeem(
  context: KithContext,
  grant: string,
  options: RedeemOptions = {},
): Promise<RedeemedData | NotModified> {
  const { iss } = readGrantToken(grant);
  // The grant goes to the vault that issued it and nowhere else (discover() refuses other origins and plain http).
  const discovery = await context.discover(iss, options.signal);
  const key = await context.signingKey();
  const response = await send(
    context.transport,
    async () => {
      const headers: Record<string, string> = {
        accept: 'application/json',
        // RFC 9449 §7.1: the DPoP authentication scheme, with a proof whose ath binds it to this token.
        authorization: `DPoP ${grant}`,
        dpop: await createDpopProof({
          key,
          htm: 'GET',
          htu: discovery.data_endpoint,
          accessToken: grant,
          now: context.transport.clock.now(),
        }),
      };
      if (options.ifNoneMatch !== undefined) headers['if-none-match'] = options.ifNoneMatch;
      return { url: discovery.data_endpoint, init: { method: 'GET', headers } };
    },
    options.signal,
  );
  const etag = response.headers.get('etag') ?? undefined;
  if (response.status === 304) {
    return { notModified: true, etag: etag ?? options.ifNoneMatch };
  }
  const data = await readJson(response, redeemedDataSchema);
  return {
    sub: data.sub,
    grantId: data.grant_id,
    version: data.version,
    fields: data.fields as RedeemedFields,
    etag,
  };
}
