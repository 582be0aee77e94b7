import type { PublicKeyCredentialCreationOptionsJSON } from '@simplewebauthn/server';
import { KithError } from '../http/kith-error.ts';
import { newToken } from '../ids.ts';
import { sha256 } from '../sha256.ts';
import {
  claimEnrollment,
  findEnrollment,
  insertEnrollment,
  spendEnrollment,
  voidOwnerEnrollments,
} from './enrollment.repository.ts';
import type { EnrollmentReason } from './enrollment.table.ts';
import { anyOwnerBesides, countOwners } from './owner.repository.ts';
import { createOwner, findOwnerByName, getOwner, type Owner } from './owner.service.ts';
import { deleteOwnerPasskeys, deletePasskey } from './passkey.repository.ts';
import { newPasskeyOptions, type PasskeyDeps, type SignedIn, storeNewPasskey } from './passkey.service.ts';
import { deleteOwnerRecoveryCodes } from './recovery-code.repository.ts';
import { deleteOwnerSessions } from './session.repository.ts';
import { startSession } from './session.service.ts';
import { rememberChallenge, spendChallenge } from './webauthn-challenge.service.ts';

/** An enrollment link lives one day. */
export const ENROLLMENT_TTL_MS = 24 * 3_600_000;

/** A freshly issued one-time enrollment link. */
export interface Enrollment {
  url: string;
  expiresAt: number;
}

/** What the enrollment page may show about an open link. */
export interface OpenEnrollment {
  tokenHash: string;
  /** Null for a new server's first owner, who names themselves on the page. */
  owner: Owner | null;
}

/**
 * Creates an owner and the one-time link with which they register their
 * first passkey. What `kith owner create --name NAME` runs.
 *
 * @example
 * const { owner, enrollment } = await createOwnerWithEnrollment(deps, { name: 'Ada' });
 * console.log(enrollment.url); // https://vault.example/enroll/…
 */
export async function createOwnerWithEnrollment(
  deps: PasskeyDeps,
  input: { name: string },
): Promise<{ owner: Owner; enrollment: Enrollment }> {
  const owner = await createOwner(deps, input);
  return { owner, enrollment: await issueEnrollment(deps, { ownerId: owner.id, reason: 'create' }) };
}

/**
 * On a server with no owners, issues a link for the first one (`kith serve`
 * prints it). Returns undefined once any owner exists.
 */
export async function issueFirstOwnerEnrollment(deps: PasskeyDeps): Promise<Enrollment | undefined> {
  if ((await countOwners(deps.db)) > 0) return undefined;
  return issueEnrollment(deps, { ownerId: null, reason: 'first-owner' });
}

/**
 * The operator's last resort when an owner lost every passkey and recovery
 * code: voids them all, ends every session, voids older links and issues a
 * new one. The new link's row (reason `reset`) and a log line record it.
 */
export async function resetOwner(
  deps: PasskeyDeps,
  input: { name: string },
): Promise<{ owner: Owner; enrollment: Enrollment }> {
  const owner = await findOwnerByName(deps, input.name);
  if (!owner) throw new KithError('NOT_FOUND', { detail: 'No owner has this name.' });
  const now = deps.clock.now();
  await deps.db.transaction().execute(async (trx) => {
    await deleteOwnerPasskeys(trx, owner.id);
    await deleteOwnerRecoveryCodes(trx, owner.id);
    await deleteOwnerSessions(trx, owner.id);
    await voidOwnerEnrollments(trx, owner.id, now);
  });
  const enrollment = await issueEnrollment(deps, { ownerId: owner.id, reason: 'reset' });
  deps.logger?.warn({ ownerId: owner.id }, 'owner.reset');
  return { owner, enrollment };
}

/** Issues a one-time enrollment link; only the token's hash is stored. */
export async function issueEnrollment(
  deps: PasskeyDeps,
  input: { ownerId: string | null; reason: EnrollmentReason },
): Promise<Enrollment> {
  const token = newToken();
  const now = deps.clock.now();
  const expiresAt = now + ENROLLMENT_TTL_MS;
  await insertEnrollment(deps.db, {
    token_hash: hashEnrollmentToken(token),
    owner_id: input.ownerId,
    reason: input.reason,
    created_at: now,
    expires_at: expiresAt,
    used_at: null,
  });
  return { url: new URL(`/enroll/${token}`, deps.config.publicUrl).toString(), expiresAt };
}

/**
 * Opens an enrollment link; unknown, used and expired links are all
 * `ENROLLMENT_INVALID`, and so is a first-owner link once the vault has an
 * owner (other than the one this very link is enrolling).
 */
export async function openEnrollment(deps: PasskeyDeps, token: string): Promise<OpenEnrollment> {
  const tokenHash = hashEnrollmentToken(token);
  const row = await findEnrollment(deps.db, tokenHash);
  if (!row || row.used_at !== null || deps.clock.now() >= row.expires_at)
    throw new KithError('ENROLLMENT_INVALID');
  // A first-owner link makes whoever holds it an owner, with no one's say-so: it exists only
  // to bootstrap an empty vault, and dies the moment the vault has an owner, however made.
  if (row.reason === 'first-owner' && (await anyOwnerBesides(deps.db, row.owner_id)))
    throw new KithError('ENROLLMENT_INVALID');
  const owner = row.owner_id === null ? null : await getOwner(deps, row.owner_id);
  if (row.owner_id !== null && !owner) throw new KithError('ENROLLMENT_INVALID');
  return { tokenHash, owner: owner ?? null };
}

/**
 * Registration options for the owner's first passkey. A first-owner link
 * creates the owner here, under the name they typed, and binds the link to it.
 */
export async function enrollmentOptions(
  deps: PasskeyDeps,
  input: { token: string; name?: string },
): Promise<PublicKeyCredentialCreationOptionsJSON> {
  const enrollment = await openEnrollment(deps, input.token);
  let ownerId = enrollment.owner?.id;
  if (!ownerId) ownerId = await claimFirstOwner(deps, enrollment.tokenHash, input.name ?? '');
  const options = await newPasskeyOptions(deps, ownerId);
  await rememberChallenge(deps, {
    challenge: options.challenge,
    purpose: 'enroll',
    ownerId,
    enrollmentHash: enrollment.tokenHash,
  });
  return options;
}

/** Registers the first passkey, spends the link and signs the owner in. */
export async function completeEnrollment(
  deps: PasskeyDeps,
  input: { token: string; response: unknown; userAgent: string | null },
): Promise<SignedIn> {
  const enrollment = await openEnrollment(deps, input.token);
  const challenge = await spendChallenge(deps, input.response, 'enroll');
  if (!challenge || challenge.enrollment_hash !== enrollment.tokenHash || !challenge.owner_id) {
    throw new KithError('CHALLENGE_INVALID');
  }
  const ownerId = challenge.owner_id;
  const passkey = await storeNewPasskey(deps, {
    ownerId,
    response: input.response,
    expectedChallenge: challenge.challenge,
    userAgent: input.userAgent,
  });
  // Two tabs racing on one link: the loser's passkey is taken back.
  if (!(await spendEnrollment(deps.db, enrollment.tokenHash, deps.clock.now()))) {
    await deletePasskey(deps.db, ownerId, passkey.id);
    throw new KithError('ENROLLMENT_INVALID');
  }
  deps.logger?.info({ ownerId }, 'owner.enrolled');
  return startSession(deps, { ownerId, userAgent: input.userAgent, authenticated: true });
}

/**
 * Creates the first owner under the name they typed and binds the link to
 * them, in one transaction: a tab that loses the race for the link leaves no
 * owner behind. Two different first-owner links used at the same moment (a
 * restart prints a new one) could each pass the check in `openEnrollment`;
 * checking again once committed, at least the later one sees the other and
 * fails, so the vault never gets two owners this way.
 */
async function claimFirstOwner(deps: PasskeyDeps, tokenHash: string, name: string): Promise<string> {
  const owner = await deps.db.transaction().execute(async (trx) => {
    const created = await createOwner({ ...deps, db: trx }, { name });
    if (!(await claimEnrollment(trx, tokenHash, created.id))) throw new KithError('ENROLLMENT_INVALID');
    return created;
  });
  if (await anyOwnerBesides(deps.db, owner.id)) throw new KithError('ENROLLMENT_INVALID');
  return owner.id;
}

function hashEnrollmentToken(token: string): string {
  return sha256(token);
}
