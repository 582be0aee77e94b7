import { timingSafeEqual } from 'node:crypto';
import type { FieldPath, Purpose, RedeemedData } from '@kith/schemas';
import { decodeJwt } from 'jose';
import { countReadsByGrant } from '../audit/audit.repository.ts';
import { appendAccessLog } from '../audit/audit.service.ts';
import type { Trx } from '../db/database.ts';
import { emitEvent } from '../events/event.service.ts';
import { KithError } from '../http/kith-error.ts';
import { findOwnerById } from '../owners/owner.repository.ts';
import { ownerDataKey } from '../owners/owner.service.ts';
import { findProfileFields } from '../profile/profile.repository.ts';
import { openField } from '../profile/profile.service.ts';
import { verifyDpopProof } from '../vendors/verify-dpop-proof.ts';
import { findGrantById, findOwnerGrants, lockGrant, revokeGrantRow } from './grant.repository.ts';
import type { GrantRow } from './grant.table.ts';
import type { GrantDeps } from './grant-request.service.ts';
import { sha256 } from './sha256.ts';

/** How a vendor presents a grant: RFC 9449 §7.1, `Authorization: DPoP <token>` plus a `DPoP` proof. */
export interface GrantPresentation {
  authorization: string | undefined;
  dpop: string | undefined;
  method: string;
  path: string;
}

/** A grant as the owner's pages show it. */
export interface OwnerGrant {
  id: string;
  clientId: string;
  fields: FieldPath[];
  purpose: Purpose;
  createdAt: number;
  expiresAt: number;
  collectedAt: number | null;
  revokedAt: number | null;
  revokedBy: 'owner' | 'vendor' | null;
  live: boolean;
  reads: number;
  lastReadAt: number | null;
  hasReceipt: boolean;
}

/** `WWW-Authenticate` for a refused grant (RFC 9449 §7.1, RFC 6750 §3). */
const DPOP_CHALLENGE = { 'www-authenticate': 'DPoP error="invalid_token", algs="EdDSA ES256"' };

/**
 * Checks a presented grant and answers exactly what it may read. Every way a
 * grant can be wrong — forged, altered, expired, another vendor's, presented
 * without its key — gets one identical `INVALID_GRANT`; only a revoked grant
 * says so, because the vendor must stop and forget.
 */
export async function redeemGrant(
  deps: GrantDeps,
  presented: GrantPresentation,
  options: { ifNoneMatch?: string | undefined } = {},
): Promise<{ data: RedeemedData; etag: string; notModified: boolean }> {
  const { grant } = await authenticateGrant(deps, presented);
  const fields = JSON.parse(grant.fields) as FieldPath[];

  return deps.db.transaction().execute(async (trx) => {
    // A revoke may have committed since the grant was checked above: look
    // again under a lock, and read the clock only then, so no read is served
    // or logged after its grant's `revoked_at`.
    const locked = await lockGrant(trx, grant.id, 'share');
    if (!locked || locked.revoked_at !== null)
      throw new KithError('GRANT_REVOKED', { headers: DPOP_CHALLENGE });
    const now = deps.clock.now();
    const values = await readGrantedFields(deps, trx, grant, fields);
    const etag = `"${grant.id.slice(4, 12)}.${values.version}"`;
    const notModified = options.ifNoneMatch !== undefined && etagMatches(options.ifNoneMatch, etag);
    // The read is logged in the transaction that reads, so no answer leaves without its entry.
    await appendAccessLog(trx, {
      ownerId: grant.owner_id,
      at: now,
      action: notModified ? 'data.read_unchanged' : 'data.read',
      clientId: grant.client_id,
      grantId: grant.id,
      detail: { fields: Object.keys(values.fields), version: values.version },
    });
    return {
      data: { sub: grant.subject, grant_id: grant.id, version: values.version, fields: values.fields },
      etag,
      notModified,
    };
  });
}

/** The vendor gives a grant back; the next redeem is `GRANT_REVOKED`. */
export async function relinquishGrant(deps: GrantDeps, presented: GrantPresentation): Promise<void> {
  const { grant } = await authenticateGrant(deps, presented);
  await revoke(deps, grant, 'vendor');
}

/**
 * The owner revokes one of their grants. Immediate: the grant row is checked
 * on every redeem, whatever the token's `exp` says. Revoking twice is fine.
 */
export async function revokeGrant(deps: GrantDeps, ownerId: string, grantId: string): Promise<void> {
  const grant = await findGrantById(deps.db, grantId);
  // Another owner's grant is as unknown as a made-up id.
  if (!grant || grant.owner_id !== ownerId) throw new KithError('GRANT_NOT_FOUND');
  if (grant.revoked_at !== null) return;
  await revoke(deps, grant, 'owner');
}

/** Every grant of an owner (optionally to one vendor), newest first, with read counts. */
export async function listOwnerGrants(
  deps: GrantDeps,
  ownerId: string,
  clientId?: string,
): Promise<OwnerGrant[]> {
  const [rows, reads] = await Promise.all([
    findOwnerGrants(deps.db, ownerId, clientId),
    countReadsByGrant(deps.db, ownerId),
  ]);
  const readsByGrant = new Map(reads.map((r) => [r.grant_id, r]));
  const now = deps.clock.now();
  return rows.map((row) => {
    const read = readsByGrant.get(row.id);
    return {
      id: row.id,
      clientId: row.client_id,
      fields: JSON.parse(row.fields) as FieldPath[],
      purpose: row.purpose as Purpose,
      createdAt: row.created_at,
      expiresAt: row.expires_at,
      collectedAt: row.collected_at,
      revokedAt: row.revoked_at,
      revokedBy: row.revoked_by,
      live: row.revoked_at === null && now < row.expires_at,
      reads: Number(read?.reads ?? 0),
      lastReadAt: read?.last_read_at === null || read === undefined ? null : Number(read.last_read_at),
      hasReceipt: row.receipt !== null,
    };
  });
}

/** The signed consent receipt of one of the owner's grants. */
export async function grantReceipt(deps: GrantDeps, ownerId: string, grantId: string): Promise<string> {
  const grant = await findGrantById(deps.db, grantId);
  if (!grant || grant.owner_id !== ownerId || grant.receipt === null) throw new KithError('GRANT_NOT_FOUND');
  return grant.receipt;
}

async function revoke(deps: GrantDeps, grant: GrantRow, by: 'owner' | 'vendor'): Promise<void> {
  await deps.db.transaction().execute((trx) => revokeInTransaction(deps, trx, grant, by));
}

/**
 * Revokes one grant inside the caller's transaction: stamps it, logs it and
 * tells the vendor (`grant.revoked`). Answers whether this call revoked it
 * (false if it already was), so a caller revoking many knows which it ended.
 */
export async function revokeInTransaction(
  deps: GrantDeps,
  trx: Trx,
  grant: GrantRow,
  by: 'owner' | 'vendor',
): Promise<boolean> {
  // Redeems in flight hold the grant's lock; `revoked_at` is stamped once
  // they are done, so every read they logged comes before it.
  await lockGrant(trx, grant.id, 'update');
  const now = deps.clock.now();
  if (!(await revokeGrantRow(trx, grant.id, now, by))) return false;
  await appendAccessLog(trx, {
    ownerId: grant.owner_id,
    at: now,
    action: by === 'owner' ? 'grant.revoked' : 'grant.relinquished',
    clientId: grant.client_id,
    grantId: grant.id,
    detail: { fields: JSON.parse(grant.fields) as string[] },
  });
  // The vendor hears it in the same transaction's outbox; a grant it never collected it never knew.
  if (grant.collected_at !== null) {
    await emitEvent(trx, {
      ownerId: grant.owner_id,
      clientId: grant.client_id,
      type: 'grant.revoked',
      data: { sub: grant.subject, grant_id: grant.id, revoked_by: by },
      at: now,
    });
  }
  return true;
}

/**
 * The guards, in order. Nothing is written until the grant itself checks
 * out; the DPoP proof's `jti` is spent only for a real grant.
 */
export async function authenticateGrant(
  deps: GrantDeps,
  presented: GrantPresentation,
): Promise<{ grant: GrantRow }> {
  const refuse = (reason: string) =>
    new KithError('INVALID_GRANT', { headers: DPOP_CHALLENGE, cause: reason });

  // RFC 9449 §7.1: a DPoP-bound token travels under the DPoP scheme, not Bearer.
  const match = /^DPoP +([A-Za-z0-9_.-]+)$/i.exec(presented.authorization ?? '');
  const token = match?.[1];
  if (!token) throw refuse('no DPoP authorization');

  let jti: unknown;
  try {
    jti = decodeJwt(token).jti;
  } catch {
    throw refuse('not a JWT');
  }
  const grant = typeof jti === 'string' ? await findGrantById(deps.db, jti) : undefined;
  // The vault issued this grant and kept the hash of the exact token it
  // signed: equality proves what a signature check would (our key, our typ,
  // iss, aud, exp, cnf, untampered) without paying for one. A token of any
  // other bytes — alg none, an HMAC forgery, an edited claim — differs.
  if (!grant?.token_hash || !constantTimeEqual(sha256(token), grant.token_hash))
    throw refuse('unknown token');
  if (grant.revoked_at !== null) throw new KithError('GRANT_REVOKED', { headers: DPOP_CHALLENGE });
  if (deps.clock.now() >= grant.expires_at) throw refuse('expired');

  let jkt: string;
  try {
    ({ jkt } = await verifyDpopProof(deps, {
      dpop: presented.dpop,
      method: presented.method,
      path: presented.path,
      accessToken: token,
    }));
  } catch (error) {
    if (error instanceof KithError) throw refuse(`DPoP: ${String(error.cause ?? error.code)}`);
    throw error;
  }
  // RFC 9449 §6.1: the proof must come from the key the grant is bound to.
  if (jkt !== grant.jkt) throw refuse('proof key is not the bound key');
  return { grant };
}

async function readGrantedFields(
  deps: GrantDeps,
  trx: Trx,
  grant: GrantRow,
  fields: FieldPath[],
): Promise<{ fields: Record<string, unknown>; version: number }> {
  const owner = await findOwnerById(trx, grant.owner_id);
  if (!owner) throw new KithError('INVALID_GRANT', { headers: DPOP_CHALLENGE });
  const dataKey = ownerDataKey(deps.keys, owner);
  const granted = new Set<string>(fields);
  const values: Record<string, unknown> = {};
  let version = 0;
  for (const row of await findProfileFields(trx, grant.owner_id)) {
    if (!granted.has(row.path)) continue;
    // A cleared field still counts: its version moved, so the vendor must re-read.
    version = Math.max(version, row.version);
    if (row.value_sealed === null) continue;
    values[row.path] = JSON.parse(openField(dataKey, owner.id, row.path, row.value_sealed));
  }
  return { fields: values, version };
}

/** RFC 9110 §13.1.2: If-None-Match is a list of entity tags, or `*`; weak comparison. */
function etagMatches(header: string, etag: string): boolean {
  if (header.trim() === '*') return true;
  return header.split(',').some((tag) => tag.trim().replace(/^W\//, '') === etag);
}

function constantTimeEqual(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}
