import { type AgreementRef, type FieldPath, grantCollectedSchema, type Purpose } from '@kith/schemas';
import { chooseVault, clientAuthentication, type KithContext } from './context.ts';
import { createDpopProof } from './dpop.ts';
import { clientError } from './errors.ts';
import { readGrantToken } from './grant-token.ts';
import { readJson, send } from './http.ts';
import { vaultIssuer } from './vault-url.ts';

/**
 * Options of {@link collectGrant}: the request id (polling), the one-time
 * code from the redirect, or the grant id of a `grant.created` event.
 */
export type CollectGrantOptions = { vault?: string; signal?: AbortSignal } & (
  | { requestId: string; code?: never; grantId?: never }
  | { code: string; requestId?: never; grantId?: never }
  | { grantId: string; requestId?: never; code?: never }
);

/** A collected grant. Store `grant` for this customer; it is all you need to redeem. */
export interface CollectedGrant {
  /** The grant token (a JWT bound to your key); store one per customer. */
  grant: string;
  grantId: string;
  /** The person's pairwise id: the same on every grant they give you, and only you see it. */
  sub: string;
  /** The fields the owner approved: the required ones plus the optional ones they kept. */
  fields: FieldPath[];
  purpose: Purpose;
  /** ISO 8601. */
  expiresAt: string;
  /** A signed consent receipt (JWS, `typ: kith-receipt+jwt`): keep it as your record of consent. */
  receipt: string;
  /** The `state` you sent with the request. */
  state?: string;
  /**
   * The owner's agreement the grant was given under, as you accepted it
   * (`{ id, version, sha256 }`); absent when the owner proffered none.
   * Honour it: its retention days set your erasure deadline at goodbye.
   */
  terms?: AgreementRef;
  /**
   * Your webhook secret (`whsec_…`) for the `v1` signatures of this vault's
   * events; sent on your first collect. Keep it with your secrets and pass it
   * to `verifyWebhook({ secret })`.
   */
  webhookSecret?: string;
}

/**
 * Collects an approved grant once, with the `code` from the redirect
 * (`/callback?code=…&state=…`), the request id, or — for a grant the owner
 * shared unasked — the `grant_id` of a `grant.created` event. The grant is
 * bound to your key by the DPoP proof this sends. While the owner has not
 * answered, throws `AUTHORIZATION_PENDING` (see `waitForGrant` to poll).
 *
 * @example
 * const url = new URL(request.url);
 * if (url.searchParams.get('state') !== session.kithState) throw new Error('state mismatch');
 * const collected = await kith.collectGrant({ vault: session.vault, code: url.searchParams.get('code')! });
 * await db.saveGrant(session.customerId, collected.grant);
 *
 * @example
 * // On a `grant.created` event:
 * const shared = await kith.collectGrant({ vault, grantId: event.data.grant_id });
 */
export async function collectGrant(
  context: KithContext,
  options: CollectGrantOptions,
): Promise<CollectedGrant> {
  if (
    typeof options.requestId !== 'string' &&
    typeof options.code !== 'string' &&
    typeof options.grantId !== 'string'
  ) {
    throw clientError('INVALID_ARGUMENT', { detail: 'collectGrant needs a requestId, a code or a grantId.' });
  }
  const discovery = await context.discover(chooseVault(context, options.vault), options.signal);
  const key = await context.signingKey();
  const response = await send(
    context.transport,
    async () => {
      const now = context.transport.clock.now();
      const by =
        typeof options.code === 'string'
          ? { code: options.code }
          : typeof options.grantId === 'string'
            ? { grant_id: options.grantId }
            : { request_id: options.requestId };
      const body = { ...(await clientAuthentication(context, discovery.issuer)), ...by };
      return {
        url: discovery.grant_collect_endpoint,
        init: {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            accept: 'application/json',
            dpop: await createDpopProof({ key, htm: 'POST', htu: discovery.grant_collect_endpoint, now }),
          },
          body: JSON.stringify(body),
        },
      };
    },
    options.signal,
  );
  const collected = await readJson(response, grantCollectedSchema);

  // The grant must come back usable: issued by this vault (redeem sends it to its iss) and bound to our key.
  let token: ReturnType<typeof readGrantToken>;
  try {
    token = readGrantToken(collected.grant);
  } catch (error) {
    throw clientError('INVALID_RESPONSE', {
      detail: 'The vault answered a grant that is not a Kith grant.',
      cause: error,
    });
  }
  if (vaultIssuer(token.iss) !== vaultIssuer(discovery.issuer)) {
    throw clientError('INVALID_RESPONSE', {
      detail: `The grant's issuer ${token.iss} is not ${discovery.issuer}.`,
    });
  }
  if (token.jkt !== key.thumbprint) {
    throw clientError('INVALID_RESPONSE', {
      detail: "The grant is not bound to this client's key (cnf.jkt).",
    });
  }

  return {
    grant: collected.grant,
    grantId: collected.grant_id,
    sub: collected.sub,
    fields: collected.fields as FieldPath[],
    purpose: collected.purpose,
    expiresAt: collected.expires_at,
    receipt: collected.receipt,
    ...(collected.state === undefined ? {} : { state: collected.state }),
    ...(collected.terms === undefined ? {} : { terms: collected.terms }),
    ...(collected.webhook_secret === undefined ? {} : { webhookSecret: collected.webhook_secret }),
  };
}
