import { timingSafeEqual } from 'node:crypto';
import { VENDOR_SIGNING_ALGS } from '@kith/schemas';
import { KithError } from '../http/kith-error.ts';
import { sha256 } from '../sha256.ts';
import { type DpopDeps, verifyDpopProof } from '../vendors/verify-dpop-proof.ts';
import { findGrantById } from './grant.repository.ts';
import type { GrantRow } from './grant.table.ts';
import type { GrantDeps } from './grant-request.service.ts';

/** How a vendor presents a grant: RFC 9449 §7.1, `Authorization: DPoP <token>` plus a `DPoP` proof. */
export interface GrantPresentation {
  authorization: string | undefined;
  dpop: string | undefined;
  method: string;
  path: string;
}

/** What a grant's standing depends on. */
export type GrantStanding = Pick<GrantRow, 'token_hash' | 'revoked_at' | 'expires_at'>;

/** What checking a presented grant needs: the grant rules' deps and the vault's DPoP signature checks. */
export type PresentationDeps = GrantDeps & Pick<DpopDeps, 'ed25519' | 'dpopProofKeys'>;

/** The grant token as presented, and the grant id it names (its `jti`). */
export interface PresentedToken {
  token: string;
  grantId: string;
}

/** `WWW-Authenticate` for a refused grant (RFC 9449 §7.1, RFC 6750 §3). */
const DPOP_CHALLENGE = {
  'www-authenticate': `DPoP error="invalid_token", algs="${VENDOR_SIGNING_ALGS.join(' ')}"`,
};

/**
 * The one refusal for every way a grant can be wrong — forged, altered,
 * another vendor's, presented without its key. The reason stays on the
 * server (as the error's `cause`).
 */
export function refuseGrant(reason: string): KithError {
  return new KithError('INVALID_GRANT', { headers: DPOP_CHALLENGE, cause: reason });
}

/** A revoked grant says so, because the vendor must stop and forget. */
function grantRevoked(): KithError {
  return new KithError('GRANT_REVOKED', { headers: DPOP_CHALLENGE });
}

/** An expired grant says so too: the vendor stops, forgets, and may ask again. */
function grantExpired(): KithError {
  return new KithError('GRANT_EXPIRED', { headers: DPOP_CHALLENGE });
}

/** Reads the token from `Authorization: DPoP <token>` and the grant id it names, or refuses. */
export function readPresentedToken(presented: GrantPresentation): PresentedToken {
  // RFC 9449 §7.1: a DPoP-bound token travels under the DPoP scheme, not Bearer.
  const match = /^DPoP +([A-Za-z0-9_.-]+)$/i.exec(presented.authorization ?? '');
  const token = match?.[1];
  if (!token) throw refuseGrant('no DPoP authorization');
  // Only to find the grant: the token is then proved the vault's own by its
  // hash (checkGrantStanding), so its claims are read here, not trusted.
  const parts = token.split('.');
  if (parts.length !== 3) throw refuseGrant('not a JWT');
  let jti: unknown;
  try {
    const payload: unknown = JSON.parse(Buffer.from(parts[1] as string, 'base64url').toString('utf8'));
    jti = (payload as { jti?: unknown } | null)?.jti;
  } catch {
    throw refuseGrant('not a JWT');
  }
  if (typeof jti !== 'string') throw refuseGrant('no grant id');
  return { token, grantId: jti };
}

/**
 * The grant's own guards, in order: the exact token the vault issued for it,
 * not revoked, not expired. Throws the refusal; answers nothing.
 */
export function checkGrantStanding<Grant extends GrantStanding>(
  grant: Grant | undefined,
  tokenHash: string,
  now: number,
): asserts grant is Grant {
  // The vault issued this grant and kept the hash of the exact token it
  // signed: equality proves what a signature check would (our key, our typ,
  // iss, aud, exp, cnf, untampered) without paying for one. A token of any
  // other bytes — alg none, an HMAC forgery, an edited claim — differs.
  if (!grant?.token_hash || !constantTimeEqual(tokenHash, grant.token_hash))
    throw refuseGrant('unknown token');
  // A revoked grant voids every token minted from it, whatever its exp.
  if (grant.revoked_at !== null) throw grantRevoked();
  // Only the holder of the exact token learns it ran out: the hash was checked first.
  if (now >= grant.expires_at) throw grantExpired();
}

/**
 * The guards, in order, for a vendor acting on a grant. Nothing is written
 * until the grant itself checks out; the DPoP proof's `jti` is spent only
 * for a real grant.
 */
export async function authenticateGrant(
  deps: PresentationDeps,
  presented: GrantPresentation,
): Promise<{ grant: GrantRow }> {
  const { token, grantId } = readPresentedToken(presented);
  const grant = await findGrantById(deps.db, grantId);
  const tokenHash = sha256(token);
  checkGrantStanding(grant, tokenHash, deps.clock.now());

  let jkt: string;
  try {
    ({ jkt } = await verifyDpopProof(deps, {
      dpop: presented.dpop,
      method: presented.method,
      path: presented.path,
      accessTokenHash: tokenHash,
    }));
  } catch (error) {
    if (error instanceof KithError) throw refuseGrant(`DPoP: ${String(error.cause ?? error.code)}`);
    throw error;
  }
  // RFC 9449 §6.1: the proof must come from the key the grant is bound to.
  if (jkt !== grant.jkt) throw refuseGrant('proof key is not the bound key');
  return { grant };
}

function constantTimeEqual(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}
