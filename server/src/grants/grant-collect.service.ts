import {
  type AgreementRef,
  type ContactTerms,
  type FieldPath,
  GRANT_TOKEN_TYPE,
  type GrantCollected,
  type Purpose,
  purposes,
  RECEIPT_TYPE,
} from '@kith/schemas';
import { appendAccessLog } from '../audit/audit.service.ts';
import { ensureWebhookSecret } from '../events/event.service.ts';
import { KithError } from '../http/kith-error.ts';
import { signJwt } from '../keys/signing-key.service.ts';
import { sha256 } from '../sha256.ts';
import { collectUncollectedGrant, findGrantById, updateGrant } from './grant.repository.ts';
import type { GrantRequestRow, GrantRow } from './grant.table.ts';
import { decodeGrant, type Grant, grantClaims } from './grant.ts';
import {
  findGrantRequestByCodeHash,
  findGrantRequestById,
  recordPoll,
  transitionGrantRequest,
} from './grant-request.repository.ts';
import type { GrantDeps } from './grant-request.service.ts';

/** RFC 8628 §3.5: each slow_down adds 5 seconds to the interval. */
const SLOW_DOWN_STEP_SECONDS = 5;

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
  let row: GrantRow | undefined;
  if ('grantId' in by) {
    row = await sharedGrantFor(deps, clientId, by.grantId, now);
  } else {
    request =
      'code' in by
        ? await requestForCode(deps, clientId, by.code, now)
        : await requestForPoll(deps, clientId, by.requestId, now);
    row = await findGrantById(deps.db, request.grant_id as string);
    if (!row) throw new Error(`grant request ${request.id} names a missing grant`);
  }
  const grant = decodeGrant(row);
  const { id: grantId, ownerId, fields, purpose, terms } = grant;
  const iat = Math.floor(now / 1000);

  // Signed before the transaction: on SQLite the one connection is the
  // transaction's, and the keyring may need to read.
  const token = await signJwt(deps, {
    typ: GRANT_TOKEN_TYPE,
    payload: grantClaims(grant, { audience: deps.config.publicUrl.origin, issuedAt: iat, jkt }),
  });
  const receipt = await signConsentReceipt(deps, grant, { fields, iat, version: grant.version });

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
    expires_at: new Date(grant.expiresAt).toISOString(),
    receipt,
    ...(request === undefined || request.state === null ? {} : { state: request.state }),
    ...(terms ? { terms } : {}),
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
  if (now >= grant.expires_at) throw new KithError('GRANT_EXPIRED');
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
 * Signs the consent receipt of a grant as it stands at `version` (1 as
 * issued; a narrowed grant's receipt names its new version and fields).
 *
 * @example
 * const receipt = await signConsentReceipt(deps, grant, { fields: ['email'], iat, version: 2 });
 */
export async function signConsentReceipt(
  deps: GrantDeps,
  grant: Grant,
  options: { fields: FieldPath[]; iat: number; version: number },
): Promise<string> {
  return signJwt(deps, {
    typ: RECEIPT_TYPE,
    payload: consentReceipt({
      grantId: grant.id,
      clientId: grant.clientId,
      subject: grant.subject,
      fields: options.fields,
      purpose: grant.purpose,
      contact: grant.contact,
      terms: grant.terms && { ...grant.terms, acceptance: grant.termsAcceptance },
      iat: options.iat,
      exp: Math.floor(grant.expiresAt / 1000),
      version: options.version,
    }),
  });
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
  /** The agreement, with the vendor's signed acceptance (its client assertion) when it gave one. */
  terms: (AgreementRef & { acceptance: string | null }) | undefined;
  iat: number;
  exp: number;
  version: number;
}) {
  // Version 1 keeps the receipt id it always had; a narrowed version gets its own.
  const suffix = input.version === 1 ? '' : `.v${input.version}`;
  return {
    jti: `rcpt_${input.grantId.slice(4)}${suffix}`,
    sub: input.subject,
    aud: input.clientId,
    iat: input.iat,
    receipt_version: 'kith-receipt/1',
    grant_id: input.grantId,
    ...(input.version === 1 ? {} : { grant_version: input.version }),
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
    // IEEE 7012: the owner proffered these terms and the vendor agreed, under its own signature.
    ...(input.terms
      ? {
          agreement: {
            id: input.terms.id,
            version: input.terms.version,
            sha256: input.terms.sha256,
            proffered_by: 'data_subject',
            ...(input.terms.acceptance ? { accepted_by_controller: input.terms.acceptance } : {}),
          },
        }
      : {}),
    consent: { type: 'explicit', given_at: input.iat, expires_at: input.exp, withdrawable: true },
  };
}
