import {
  type AgreementRef,
  type ContactChannel,
  type Discovery,
  type FieldPath,
  type GrantRequestInput,
  grantRequestCreatedSchema,
  type Purpose,
  TERMS_ACCEPTED_CLAIM,
} from '@kith/schemas';
import { chooseVault, clientAuthentication, type KithContext } from './context.ts';
import { type Duration, parseDuration } from './duration.ts';
import { clientError } from './errors.ts';
import { readJson, send } from './http.ts';

/** The contact terms a vendor asks for; the owner may tighten them. */
export interface ContactTermsRequest {
  /** How the vendor wants to reach the person. */
  channels?: ContactChannel[];
  /** Why: `service` messages only (the default), or `marketing` too. */
  purposes?: ('service' | 'marketing')[];
  /** At most this many contacts a week (default 1). */
  maxPerWeek?: number;
}

/** Options of {@link requestGrant}. */
export interface RequestGrantOptions {
  /** The person's vault, e.g. `https://vault.example`; defaults to the client's `vault`. */
  vault?: string;
  /** Fields the vendor needs. */
  fields: FieldPath[];
  /** Fields the vendor would like; the owner may untick them. */
  optionalFields?: FieldPath[];
  /** Why, from Kith's fixed list (each maps to a W3C DPV term). */
  purpose: Purpose;
  /** How long: seconds, or `'30d'`, `'12h'`, `'90m'`. The owner may shorten it. */
  duration: Duration;
  contact?: ContactTermsRequest;
  /** Where the vault sends the person back with `?code=…&state=…`; must be in your metadata's `redirect_uris`. */
  redirectUri?: string;
  /** Echoed back on the redirect and when collecting: tie it to the person's session and check it. */
  state?: string;
  /**
   * The owner's standard agreements you accept, by id (`discover()` lists them as
   * `terms_supported`), e.g. `['service-only', 'service-with-processors']`. Stated
   * inside your signed client assertion, pinned to the exact version and SHA-256
   * the vault lists, so your acceptance is provable. An owner who proffers an
   * agreement you did not accept cannot approve under it: accept those you honour.
   */
  terms?: string[];
  signal?: AbortSignal;
}

/** A pending grant request. */
export interface GrantRequest {
  /** The request id: poll with it (`waitForGrant`). */
  id: string;
  /** The vault's issuer identifier. */
  vault: string;
  /** Send the person here to approve. */
  approveUrl: string;
  /** Or read this out on a call: "approve KITH-7Q2F in your vault". */
  userCode: string;
  /** ISO 8601: the owner must answer before this. */
  expiresAt: string;
  /** Seconds to wait between polls (RFC 8628 §3.2). */
  interval: number;
}

/**
 * Asks a vault for a grant: authenticates the vendor with a `private_key_jwt`
 * client assertion and answers where to send the person (or the code to read out).
 *
 * @example
 * const request = await kith.requestGrant({
 *   vault: 'https://vault.example',
 *   fields: ['name', 'email', 'address'],
 *   optionalFields: ['phone_number'],
 *   purpose: 'delivery',
 *   duration: '30d',
 *   redirectUri: 'https://shop.example/kith/callback',
 *   state,
 * });
 * // redirect the person to request.approveUrl
 */
export async function requestGrant(
  context: KithContext,
  options: RequestGrantOptions,
): Promise<GrantRequest> {
  const duration = parseDuration(options.duration);
  const discovery = await context.discover(chooseVault(context, options.vault), options.signal);
  const contact = options.contact && {
    channels: options.contact.channels,
    purposes: options.contact.purposes,
    max_per_week: options.contact.maxPerWeek,
  };
  const accepted = acceptedTerms(discovery, options.terms);
  const response = await send(
    context.transport,
    async () => {
      const claims = accepted.length > 0 ? { [TERMS_ACCEPTED_CLAIM]: accepted } : undefined;
      const body: GrantRequestInput = {
        ...(await clientAuthentication(context, discovery.issuer, claims)),
        fields: options.fields,
        optional_fields: options.optionalFields ?? [],
        purpose: options.purpose,
        duration,
        contact,
        redirect_uri: options.redirectUri,
        state: options.state,
      };
      return {
        url: discovery.grant_request_endpoint,
        init: {
          method: 'POST',
          headers: { 'content-type': 'application/json', accept: 'application/json' },
          body: JSON.stringify(body),
        },
      };
    },
    options.signal,
  );
  const created = await readJson(response, grantRequestCreatedSchema);
  return {
    id: created.id,
    vault: discovery.issuer,
    approveUrl: created.approve_url,
    userCode: created.user_code,
    expiresAt: created.expires_at,
    interval: created.interval,
  };
}

/** The exact references, from the vault's own list, of the agreements named by id. */
function acceptedTerms(discovery: Discovery, ids: string[] | undefined): AgreementRef[] {
  return (ids ?? []).map((id) => {
    const listed = discovery.terms_supported.find((terms) => terms.id === id);
    if (!listed) {
      throw clientError('INVALID_ARGUMENT', {
        detail: `The vault offers no agreement "${id}"; it offers ${discovery.terms_supported.map((t) => t.id).join(', ') || 'none'}.`,
      });
    }
    return { id: listed.id, version: listed.version, sha256: listed.sha256 };
  });
}
