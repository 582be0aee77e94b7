import { createHash } from 'node:crypto';
import {
  type ContactTerms,
  type FieldPath,
  GRANT_TOKEN_TYPE,
  type GrantCollected,
  type GrantRequestCreated,
  type Purpose,
  purposes,
  RECEIPT_TYPE,
  type VendorMetadata,
} from '@kith/schemas';
import { appendAccessLog } from '../audit/audit.service.ts';
import { ensureWebhookSecret } from '../events/event.service.ts';
import { KithError } from '../http/kith-error.ts';
import { newId, newToken } from '../ids.ts';
import { type SigningKeyDeps, signJwt } from '../keys/signing-key.service.ts';
import { lockOwner } from '../owners/owner.repository.ts';
import { collectUncollectedGrant, findGrantById, insertGrant, updateGrant } from './grant.repository.ts';
import type { GrantRequestRow, GrantRow } from './grant.table.ts';
import {
  findGrantRequestByCodeHash,
  findGrantRequestById,
  findGrantRequestByUserCode,
  insertGrantRequest,
  recordPoll,
  transitionGrantRequest,
} from './grant-request.repository.ts';
import { pairwiseSubject } from './pairwise-subject.ts';
import { newUserCode, normaliseUserCode } from './user-code.ts';

export type GrantDeps = SigningKeyDeps;

/** RFC 8628 §3.2 suggests minutes, not hours: long enough to find a phone. */
const REQUEST_LIFETIME_MS = 15 * 60_000;
const POLL_INTERVAL_SECONDS = 5;
/** RFC 8628 §3.5: each slow_down adds 5 seconds to the interval. */
const SLOW_DOWN_STEP_SECONDS = 5;
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

/** A request the owner may still answer, by id or by the code they typed. */
export async function findPendingGrantRequest(
  deps: GrantDeps,
  by: { id: string } | { userCode: string },
): Promise<PendingGrantRequest> {
  let row: GrantRequestRow | undefined;
  if ('id' in by) {
    row = await findGrantRequestById(deps.db, by.id);
  } else {
    const code = normaliseUserCode(by.userCode);
    row = code ? await findGrantRequestByUserCode(deps.db, code) : undefined;
  }
  if (row?.status !== 'pending') throw new KithError('GRANT_REQUEST_NOT_FOUND');
  if (deps.clock.now() >= row.expires_at) throw new KithError('EXPIRED_TOKEN');
  return toPending(row);
}

/**
 * The owner approves: the grant is created with the required fields plus the
 * optional ones the owner kept, for at most the duration asked. The vendor
 * collects it next, by redirect code or by polling.
 */
export async function approveGrantRequest(
  deps: GrantDeps,
  ownerId: string,
  requestId: string,
  choice: { optionalFields: string[]; durationSeconds?: number },
): Promise<{ grantId: string; redirectTo: string | null }> {
  const request = await findPendingGrantRequest(deps, { id: requestId });
  const now = deps.clock.now();
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
    await lockOwner(trx, ownerId);
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
    await insertGrant(trx, {
      id: grantId,
      owner_id: ownerId,
      client_id: request.clientId,
      subject: pairwiseSubject(deps.keys, ownerId, request.clientId),
      fields: JSON.stringify(fields),
      purpose: request.purpose,
      contact: request.contact ? JSON.stringify(request.contact) : null,
      created_at: now,
      expires_at: now + durationSeconds * 1000,
      collected_at: null,
      jkt: null,
      token_hash: null,
      receipt: null,
      revoked_at: null,
      revoked_by: null,
    });
    await appendAccessLog(trx, {
      ownerId,
      at: now,
      action: 'grant.approved',
      clientId: request.clientId,
      grantId,
      detail: { fields, purpose: request.purpose, durationSeconds },
    });
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

/**
 * The vendor collects its grant, with the redirect's one-time code, by
 * polling the request (RFC 8628 §3.4–3.5 answers), or by the id a
 * `grant.created` event named (a grant the owner shared unasked). The token
 * is bound to the key of the DPoP proof that came with this call (RFC 9449
 * §6: `cnf.jkt`).
 */
export async function collectGrant(
  deps: GrantDeps,
  clientId: string,
  by: { requestId: string } | { code: string } | { grantId: string },
  jkt: string,
): Promise<GrantCollected> {
  const now = deps.clock.now();
  let request: GrantRequestRow | undefined;
  let grant: GrantRow;
  if ('grantId' in by) {
    grant = await sharedGrantFor(deps, clientId, by.grantId, now);
  } else {
    request =
      'code' in by
        ? await requestForCode(deps, clientId, by.code, now)
        : await requestForPoll(deps, clientId, by.requestId, now);
    grant = await deps.db
      .selectFrom('grants')
      .selectAll()
      .where('id', '=', request.grant_id as string)
      .executeTakeFirstOrThrow();
  }
  const grantId = grant.id;
  const ownerId = grant.owner_id;
  const fields = JSON.parse(grant.fields) as FieldPath[];
  const purpose = grant.purpose as Purpose;
  const contact = grant.contact ? (JSON.parse(grant.contact) as ContactTerms) : undefined;
  const iat = Math.floor(now / 1000);
  const exp = Math.floor(grant.expires_at / 1000);

  // Signed before the transaction: on SQLite the one connection is the
  // transaction's, and the keyring may need to read.
  const token = await signJwt(deps, {
    typ: GRANT_TOKEN_TYPE,
    payload: {
      sub: grant.subject,
      aud: deps.config.publicUrl.origin,
      client_id: clientId,
      jti: grantId,
      iat,
      exp,
      fields,
      purpose,
      ...(contact ? { contact } : {}),
      cnf: { jkt },
    },
  });
  const receipt = await signJwt(deps, {
    typ: RECEIPT_TYPE,
    payload: consentReceipt({
      grantId,
      clientId,
      subject: grant.subject,
      fields,
      purpose,
      contact,
      iat,
      exp,
    }),
  });

  const webhookSecret = await deps.db.transaction().execute(async (trx) => {
    // Single use: only the call that moves the request (or the shared grant) to `collected` gets the token.
    const issued = { jkt, token_hash: sha256(token), receipt, collected_at: now };
    const moved = request
      ? await transitionGrantRequest(trx, request.id, 'approved', { status: 'collected', code_hash: null })
      : await collectUncollectedGrant(trx, grantId, issued);
    if (!moved) throw new KithError('INVALID_GRANT', { detail: 'This grant was already collected.' });
    if (request) await updateGrant(trx, grantId, issued);
    await appendAccessLog(trx, {
      ownerId,
      at: now,
      action: 'grant.collected',
      clientId,
      grantId,
      detail: { fields },
    });
    // The vendor's key for the `v1` webhook signatures, made on its first collect.
    return ensureWebhookSecret(deps, trx, clientId);
  });

  return {
    grant: token,
    grant_id: grantId,
    sub: grant.subject,
    fields,
    purpose,
    expires_at: new Date(grant.expires_at).toISOString(),
    receipt,
    ...(request === undefined || request.state === null ? {} : { state: request.state }),
    ...(webhookSecret === undefined ? {} : { webhook_secret: webhookSecret }),
  };
}

/**
 * A grant the owner shared unasked, still to be collected by this vendor.
 * Another vendor's grant id is as unknown as a made-up one.
 */
async function sharedGrantFor(
  deps: GrantDeps,
  clientId: string,
  grantId: string,
  now: number,
): Promise<GrantRow> {
  const grant = await findGrantById(deps.db, grantId);
  // Only a grant the owner shared is collected by id: an approved request's grant goes through its request, once.
  if (grant?.client_id !== clientId || grant.origin !== 'owner') {
    throw new KithError('INVALID_GRANT', { detail: 'The grant is unknown or not yours.' });
  }
  if (grant.collected_at !== null) {
    throw new KithError('INVALID_GRANT', { detail: 'This grant was already collected.' });
  }
  if (grant.revoked_at !== null) throw new KithError('GRANT_REVOKED');
  if (now >= grant.expires_at) throw new KithError('INVALID_GRANT', { detail: 'The grant has expired.' });
  return grant;
}

async function requestForCode(
  deps: GrantDeps,
  clientId: string,
  code: string,
  now: number,
): Promise<GrantRequestRow> {
  const request = await findGrantRequestByCodeHash(deps.db, sha256(code));
  // RFC 6749 §4.1.3: the code must have been issued to this client, unused and unexpired.
  if (!request || request.client_id !== clientId || request.status !== 'approved') {
    throw new KithError('INVALID_GRANT', { detail: 'The code is unknown, used or not yours.' });
  }
  if (request.code_expires_at === null || now >= request.code_expires_at) {
    throw new KithError('INVALID_GRANT', { detail: 'The code has expired; poll the request instead.' });
  }
  return request;
}

async function requestForPoll(
  deps: GrantDeps,
  clientId: string,
  requestId: string,
  now: number,
): Promise<GrantRequestRow> {
  const request = await findGrantRequestById(deps.db, requestId);
  // Another vendor's request id is as unknown as a made-up one.
  if (!request || request.client_id !== clientId) throw new KithError('GRANT_REQUEST_NOT_FOUND');
  switch (request.status) {
    case 'approved':
      return request;
    case 'denied':
      throw new KithError('ACCESS_DENIED');
    case 'collected':
      throw new KithError('INVALID_GRANT', { detail: 'This grant was already collected.' });
    case 'pending': {
      if (now >= request.expires_at) throw new KithError('EXPIRED_TOKEN');
      // RFC 8628 §3.5: polling faster than the interval earns slow_down and a longer interval.
      const tooSoon =
        request.last_polled_at !== null && now - request.last_polled_at < request.poll_interval * 1000;
      const interval = tooSoon ? request.poll_interval + SLOW_DOWN_STEP_SECONDS : request.poll_interval;
      await recordPoll(deps.db, request.id, now, interval);
      if (tooSoon) throw new KithError('SLOW_DOWN', { detail: `Wait ${interval} seconds between polls.` });
      throw new KithError('AUTHORIZATION_PENDING');
    }
  }
}

/**
 * A consent receipt in the spirit of ISO/IEC TS 27560: who (the vendor as
 * controller), about whom (the pairwise subject), what, why (purpose with its
 * DPV term), for how long, and how consent was given.
 */
function consentReceipt(input: {
  grantId: string;
  clientId: string;
  subject: string;
  fields: FieldPath[];
  purpose: Purpose;
  contact: ContactTerms | undefined;
  iat: number;
  exp: number;
}) {
  return {
    jti: `rcpt_${input.grantId.slice(4)}`,
    sub: input.subject,
    aud: input.clientId,
    iat: input.iat,
    receipt_version: 'kith-receipt/1',
    grant_id: input.grantId,
    controller: { client_id: input.clientId },
    data_subject: input.subject,
    processing: {
      purposes: [
        {
          id: input.purpose,
          dpv: purposes[input.purpose].dpv,
          description: purposes[input.purpose].description,
        },
      ],
      personal_data: input.fields,
      ...(input.contact ? { contact_terms: input.contact } : {}),
    },
    consent: { type: 'explicit', given_at: input.iat, expires_at: input.exp, withdrawable: true },
  };
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
    contact: row.contact ? (JSON.parse(row.contact) as ContactTerms) : null,
    expiresAt: row.expires_at,
    redirectUri: row.redirect_uri,
    state: row.state,
  };
}

function sha256(text: string): string {
  return createHash('sha256').update(text).digest('base64url');
}
