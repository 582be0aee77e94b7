import type { FieldPath, RedeemedData } from '@kith/schemas';
import { chainAccessLogEntry } from '../audit/audit.service.ts';
import { KithError } from '../http/kith-error.ts';
import { openField } from '../keys/field-cipher.ts';
import type { VaultKeys } from '../keys/vault-keys.ts';
import { ownerDataKey } from '../owners/owner.service.ts';
import { sha256 } from '../sha256.ts';
import { type CheckedDpopProof, checkDpopProof } from '../vendors/verify-dpop-proof.ts';
import { grantFieldsOf } from './grant.table.ts';
import {
  checkGrantStanding,
  type GrantPresentation,
  type PresentationDeps,
  readPresentedToken,
  refuseGrant,
} from './grant-presentation.ts';
import type { RedeemedField, RedeemingOwner, RedeemStore, Redeems } from './grant-redeem.repository.ts';
import type { GrantDeps } from './grant-request.service.ts';

/** What a redeem needs: where the vault's redeems run, besides what checking a presentation does. */
export type RedeemDeps = PresentationDeps & { redeems: Redeems };

/** What a redeem answers: the granted fields that are set, and their entity tag. */
export interface Redeemed {
  data: RedeemedData;
  etag: string;
  notModified: boolean;
}

/** A presented grant with everything checked that needs no database. */
interface RedeemAttempt {
  grantId: string;
  tokenHash: string;
  /** The checked proof, or why it failed: told only once the grant itself checks out. */
  proof: CheckedDpopProof | KithError;
  ifNoneMatch: string | undefined;
}

/**
 * Checks a presented grant and answers exactly what it may read, with the
 * read in the owner's access log. Every way a grant can be wrong gets one
 * identical `INVALID_GRANT`; only a revoked grant says so.
 *
 * The work that needs no database — the token's hash, the DPoP proof's
 * signature and claims — comes first; then one transaction re-reads the
 * grant (so a revoke that committed a moment ago wins), spends the proof's
 * `jti`, reads the fields and appends the log entry. That transaction is
 * shared with the other redeems of the moment — on SQLite one commit and one
 * fsync for all, on PostgreSQL one transaction and two round trips for all —
 * and the answer leaves only after its entry is durable.
 */
export async function redeemGrant(
  deps: RedeemDeps,
  presented: GrantPresentation,
  options: { ifNoneMatch?: string | undefined } = {},
): Promise<Redeemed> {
  const { token, grantId } = readPresentedToken(presented);
  const tokenHash = sha256(token);
  const attempt: RedeemAttempt = {
    grantId,
    tokenHash,
    proof: await checkDpopProof(deps, {
      dpop: presented.dpop,
      method: presented.method,
      path: presented.path,
      accessTokenHash: tokenHash,
    }).catch((error: unknown) => {
      if (error instanceof KithError) return error;
      throw error;
    }),
    ifNoneMatch: options.ifNoneMatch,
  };
  const { proof } = attempt;
  const jti = proof instanceof KithError ? undefined : { hash: proof.jtiHash, expiresAt: proof.jtiExpiresAt };
  return deps.redeems.run({ grantId, tokenHash, jti }, (store) => redeemInStore(deps, store, attempt));
}

async function redeemInStore(deps: GrantDeps, store: RedeemStore, attempt: RedeemAttempt): Promise<Redeemed> {
  // Read under the lock, and the clock only then, so no read is served or
  // logged after its grant's `revoked_at`.
  const grant = await store.lockGrant(attempt.grantId);
  const now = deps.clock.now();
  checkGrantStanding(grant, attempt.tokenHash, now);

  const { proof } = attempt;
  if (proof instanceof KithError) throw refuseGrant(`DPoP: ${String(proof.cause ?? proof.code)}`);
  // RFC 9449 §6.1: the proof must come from the key the grant is bound to.
  if (proof.jkt !== grant.jkt) throw refuseGrant('proof key is not the bound key');

  const found = await store.lockOwnerWithFields(grant.owner_id);
  if (!found) throw refuseGrant('the owner is gone');
  const { owner } = found;
  const values = openGrantedFields(deps.keys, owner, found.fields, grantFieldsOf(grant));
  const etag = `"${grant.id.slice(4, 12)}.${values.version}"`;
  const notModified = attempt.ifNoneMatch !== undefined && etagMatches(attempt.ifNoneMatch, etag);

  // RFC 9449 §11.1: each proof once. The jti is spent, and the read logged, in the
  // transaction that reads, so no answer leaves without its entry and a refused
  // redeem spends nothing.
  const entry = chainAccessLogEntry(owner, {
    ownerId: owner.id,
    at: now,
    action: notModified ? 'data.read_unchanged' : 'data.read',
    clientId: grant.client_id,
    grantId: grant.id,
    detail: { fields: Object.keys(values.fields), version: values.version },
  });
  if (!(await store.recordRead({ hash: proof.jtiHash, expiresAt: proof.jtiExpiresAt }, entry)))
    throw refuseGrant('DPoP: the jti was used before');
  return {
    data: { sub: grant.subject, grant_id: grant.id, version: values.version, fields: values.fields },
    etag,
    notModified,
  };
}

/** The granted fields that are set, opened; and the newest version among all granted, set or cleared. */
function openGrantedFields(
  keys: VaultKeys,
  owner: RedeemingOwner,
  rows: RedeemedField[],
  fields: FieldPath[],
): { fields: Record<string, unknown>; version: number } {
  const dataKey = ownerDataKey(keys, owner);
  const granted = new Set<string>(fields);
  const values: Record<string, unknown> = {};
  let version = 0;
  // The store gives them by path, so the answer's field order is the same on either database.
  for (const row of rows) {
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
