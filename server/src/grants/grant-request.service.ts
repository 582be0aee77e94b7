import type {
  AgreementRef,
  ContactTerms,
  FieldPath,
  GrantRequestCreated,
  Purpose,
  VendorMetadata,
} from '@kith/schemas';
import { appendAccessLog } from '../audit/audit.service.ts';
import { approvalContact } from '../contact-rules/approval-contact.ts';
import { KithError } from '../http/kith-error.ts';
import { newId, newToken } from '../ids.ts';
import type { SigningKeyDeps } from '../keys/signing-key.service.ts';
import { lockOwner } from '../owners/lock-owner.ts';
import {
  countSignInFailure,
  isOverSignInBudget,
  type SignInRateLimitDeps,
  signInRateLimited,
} from '../owners/sign-in-rate-limit.ts';
import { sha256 } from '../sha256.ts';
import { agreedTerms } from './agreed-terms.ts';
import { type GrantRequestRow, requestedContactOf } from './grant.table.ts';
import { issueGrant } from './grant.ts';
import {
  findGrantRequestById,
  findGrantRequestByUserCode,
  insertGrantRequest,
  transitionGrantRequest,
} from './grant-request.repository.ts';
import { newUserCode, normaliseUserCode } from './user-code.ts';

export type GrantDeps = SigningKeyDeps;

/** RFC 8628 §3.2 suggests minutes, not hours: long enough to find a phone. */
const REQUEST_LIFETIME_MS = 15 * 60_000;
const POLL_INTERVAL_SECONDS = 5;
/** RFC 6749 §4.1.2: "a maximum authorization code lifetime of 10 minutes is RECOMMENDED"; one is plenty. */
const CODE_LIFETIME_MS = 60_000;

/** What a vendor asked for, validated: the service's input. */
export interface NewGrantRequest {
  fields: FieldPath[];
  optionalFields: FieldPath[];
  purpose: Purpose;
  durationSeconds: number;
  contact?: ContactTerms | undefined;
  redirectUri?: string | undefined;
  state?: string | undefined;
  /** The agreements the vendor accepts, from its signed client assertion. */
  termsAccepted?: AgreementRef[];
  /** That client assertion (a JWS): the vendor's provable acceptance. */
  assertion?: string;
}

/** A pending request as the approval page shows it. */
export interface PendingGrantRequest {
  id: string;
  clientId: string;
  userCode: string;
  fields: FieldPath[];
  optionalFields: FieldPath[];
  purpose: Purpose;
  durationSeconds: number;
  contact: ContactTerms | null;
  expiresAt: number;
  redirectUri: string | null;
  state: string | null;
  /** The agreements the vendor accepted; empty when it stated none. */
  termsAccepted: AgreementRef[];
  /** The client assertion that states the acceptance, or null. */
  termsAssertion: string | null;
}

/**
 * Records a vendor's request and answers where to send the person: a link to
 * the approval page and a short code to read out on a call.
 *
 * @example
 * const created = await createGrantRequest(deps, vendor, { fields: ['email'], optionalFields: [], purpose: 'delivery', durationSeconds: 86400 });
 */
export async function createGrantRequest(
  deps: GrantDeps,
  vendor: { clientId: string; metadata: VendorMetadata },
  input: NewGrantRequest,
): Promise<GrantRequestCreated> {
  const fields = [...new Set(input.fields)];
  const optionalFields = [...new Set(input.optionalFields)].filter((f) => !fields.includes(f));
  // RFC 6749 §3.1.2.3: the redirect URI must match one registered, exactly.
  if (input.redirectUri !== undefined && !vendor.metadata.redirect_uris.includes(input.redirectUri)) {
    throw new KithError('REDIRECT_URI_INVALID');
  }
  const now = deps.clock.now();
  const id = newId('grq');
  const userCode = newUserCode();
  await insertGrantRequest(deps.db, {
    id,
    client_id: vendor.clientId,
    user_code: userCode,
    fields: JSON.stringify(fields),
    optional_fields: JSON.stringify(optionalFields),
    purpose: input.purpose,
    duration_seconds: input.durationSeconds,
    contact: input.contact ? JSON.stringify(input.contact) : null,
    redirect_uri: input.redirectUri ?? null,
    state: input.state ?? null,
    status: 'pending',
    created_at: now,
    expires_at: now + REQUEST_LIFETIME_MS,
    poll_interval: POLL_INTERVAL_SECONDS,
    last_polled_at: null,
    owner_id: null,
    grant_id: null,
    decided_at: null,
    code_hash: null,
    code_expires_at: null,
    ...(input.termsAccepted?.length
      ? { terms_accepted: JSON.stringify(input.termsAccepted), terms_assertion: input.assertion ?? null }
      : {}),
  });
  const origin = deps.config.publicUrl.origin;
  return {
    id,
    approve_url: `${origin}/approve/${id}`,
    user_code: userCode,
    expires_at: new Date(now + REQUEST_LIFETIME_MS).toISOString(),
    interval: POLL_INTERVAL_SECONDS,
  };
}

/** A request the owner may still answer, by id. */
export async function findPendingGrantRequest(
  deps: GrantDeps,
  by: { id: string },
): Promise<PendingGrantRequest> {
  return pendingOrThrow(deps, await findGrantRequestById(deps.db, by.id));
}

/**
 * A request the owner may still answer, by the user code they typed. A code
 * is about 38 bits (see `user-code.ts`): safe only while guessing is slow, so
 * wrong codes count against the owner typing them (RFC 8628 §5.1), and past
 * the budget every code is `RATE_LIMITED` before it is looked up.
 *
 * @example
 * const request = await findPendingGrantRequestByUserCode(deps, ownerId, 'KITH-7Q2F-9XBD');
 */
export async function findPendingGrantRequestByUserCode(
  deps: GrantDeps & SignInRateLimitDeps,
  ownerId: string,
  typed: string,
): Promise<PendingGrantRequest> {
  if (await isOverSignInBudget(deps, 'user-code-owner', ownerId)) throw signInRateLimited(deps);
  const code = normaliseUserCode(typed);
  try {
    return pendingOrThrow(deps, code ? await findGrantRequestByUserCode(deps.db, code) : undefined);
  } catch (error) {
    await countSignInFailure(deps, 'user-code-owner', ownerId);
    throw error;
  }
}

function pendingOrThrow(deps: GrantDeps, row: GrantRequestRow | undefined): PendingGrantRequest {
  if (row?.status !== 'pending') throw new KithError('GRANT_REQUEST_NOT_FOUND');
  if (deps.clock.now() >= row.expires_at) throw new KithError('EXPIRED_TOKEN');
  return toPending(row);
}

/**
 * The owner approves: the grant is created with the required fields plus the
 * optional ones the owner kept, for at most the duration asked, and the
 * contact asked for only if the owner let them (`approvalContact`). The
 * vendor collects it next, by redirect code or by polling.
 */
export async function approveGrantRequest(
  deps: GrantDeps,
  ownerId: string,
  requestId: string,
  choice: { optionalFields: string[]; contact: boolean; durationSeconds?: number; agreement?: string },
): Promise<{ grantId: string; redirectTo: string | null }> {
  const request = await findPendingGrantRequest(deps, { id: requestId });
  const now = deps.clock.now();
  // The owner's terms first: a vendor that did not accept them gets no grant under them.
  const terms = await agreedTerms(deps.db, ownerId, request, choice.agreement);
  const fields = [
    ...request.fields,
    ...request.optionalFields.filter((f) => choice.optionalFields.includes(f)),
  ];
  // The owner may shorten the grant, never lengthen it past what was asked.
  const durationSeconds = Math.max(60, Math.min(request.durationSeconds, choice.durationSeconds ?? Infinity));
  const grantId = newId('grt');
  const code = request.redirectUri ? newToken() : null;

  await deps.db.transaction().execute(async (trx) => {
    // The owner's row first: inserting the grant takes a key-share lock on it
    // (the foreign key), and upgrading that to the access log's update lock
    // deadlocks against a second approval doing the same (PostgreSQL).
    const owner = await lockOwner(trx, ownerId);
    if (!owner) throw new KithError('UNAUTHENTICATED');
    // Read under the owner's lock: the limit stored is the one their profile sets now.
    const contact = await approvalContact(deps, trx, owner, request.clientId, terms.contact, choice.contact);
    const moved = await transitionGrantRequest(trx, request.id, 'pending', {
      status: 'approved',
      owner_id: ownerId,
      grant_id: grantId,
      decided_at: now,
      code_hash: code ? sha256(code) : null,
      code_expires_at: code ? now + CODE_LIFETIME_MS : null,
    });
    // Someone answered first (another tab, another device): one answer wins.
    if (!moved) throw new KithError('GRANT_REQUEST_NOT_FOUND');
    await issueGrant(trx, deps.keys, {
      id: grantId,
      ownerId,
      clientId: request.clientId,
      fields,
      purpose: request.purpose,
      durationSeconds,
      contact,
      terms: terms.ref && { ref: terms.ref, acceptance: request.termsAssertion },
      origin: 'request',
      at: now,
    });
    await appendAccessLog(
      trx,
      {
        ownerId,
        at: now,
        action: 'grant.approved',
        clientId: request.clientId,
        grantId,
        detail: {
          fields,
          purpose: request.purpose,
          durationSeconds,
          ...(terms.ref ? { terms: terms.ref } : {}),
        },
      },
      owner,
    );
  });
  return { grantId, redirectTo: code ? redirectWith(request, { code }) : null };
}

/** The owner declines; the vendor hears `access_denied`. */
export async function declineGrantRequest(
  deps: GrantDeps,
  ownerId: string,
  requestId: string,
): Promise<{ redirectTo: string | null }> {
  const request = await findPendingGrantRequest(deps, { id: requestId });
  const now = deps.clock.now();
  await deps.db.transaction().execute(async (trx) => {
    const moved = await transitionGrantRequest(trx, request.id, 'pending', {
      status: 'denied',
      owner_id: ownerId,
      decided_at: now,
    });
    if (!moved) throw new KithError('GRANT_REQUEST_NOT_FOUND');
    await appendAccessLog(trx, {
      ownerId,
      at: now,
      action: 'grant.declined',
      clientId: request.clientId,
      detail: { fields: [...request.fields, ...request.optionalFields], purpose: request.purpose },
    });
  });
  return { redirectTo: request.redirectUri ? redirectWith(request, { error: 'access_denied' }) : null };
}

function redirectWith(request: PendingGrantRequest, params: Record<string, string>): string {
  const url = new URL(request.redirectUri as string);
  for (const [key, value] of Object.entries(params)) url.searchParams.set(key, value);
  if (request.state !== null) url.searchParams.set('state', request.state);
  return url.toString();
}

function toPending(row: GrantRequestRow): PendingGrantRequest {
  return {
    id: row.id,
    clientId: row.client_id,
    userCode: row.user_code,
    fields: JSON.parse(row.fields) as FieldPath[],
    optionalFields: JSON.parse(row.optional_fields) as FieldPath[],
    purpose: row.purpose as Purpose,
    durationSeconds: row.duration_seconds,
    contact: requestedContactOf(row),
    expiresAt: row.expires_at,
    redirectUri: row.redirect_uri,
    state: row.state,
    termsAccepted: row.terms_accepted ? (JSON.parse(row.terms_accepted) as AgreementRef[]) : [],
    termsAssertion: row.terms_assertion,
  };
}
