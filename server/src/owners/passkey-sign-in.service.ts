import {
  type AuthenticationResponseJSON,
  type AuthenticatorTransport,
  generateAuthenticationOptions,
  type PublicKeyCredentialRequestOptionsJSON,
  verifyAuthenticationResponse,
} from '@simplewebauthn/server';
import { KithError } from '../http/kith-error.ts';
import { findOwnerById } from './owner.repository.ts';
import {
  findPasskeyByCredentialId,
  flagPasskeyCounterRegression,
  listOwnerPasskeys,
  recordPasskeyUse,
} from './passkey.repository.ts';
import type { PasskeyDeps, SignedIn } from './passkey.service.ts';
import type { PasskeyRow } from './passkey.table.ts';
import { markReauthenticated, startSession } from './session.service.ts';
import { countSignInFailure, isOverSignInBudget, signInRateLimited } from './sign-in-rate-limit.ts';
import {
  checkSignInChallenge,
  issueSignInChallenge,
  relyingParty,
  rememberChallenge,
  spendChallenge,
} from './webauthn-challenge.service.ts';

/**
 * Options for a discoverable-credential sign-in (no user name first, so the
 * browser may offer passkeys in autofill). The challenge is stateless until
 * answered, so handing one out costs nothing a visitor could run out of.
 *
 * @example
 * const options = await signInOptions(deps);
 */
export async function signInOptions(deps: PasskeyDeps): Promise<PublicKeyCredentialRequestOptionsJSON> {
  const { rpID } = relyingParty(deps.config);
  return generateAuthenticationOptions({
    rpID,
    challenge: new Uint8Array(issueSignInChallenge(deps)),
    userVerification: 'required',
    allowCredentials: [],
  });
}

/**
 * Signs an owner in with a passkey assertion. Every failure, whatever its
 * cause, is the same `SIGN_IN_FAILED`: the answer must not tell an attacker
 * which credential ids exist or which check they failed.
 *
 * A passkey cannot be guessed, so a valid assertion is accepted whatever the
 * counters say: refusing it would only hand whoever shares the owner's
 * address (a proxy, a carrier's NAT) a way to lock the owner out. A failure
 * counts against the client address and the credential it named; past
 * either budget failures answer `RATE_LIMITED`, and, since the challenge is
 * spent only once the assertion verified, they write nothing but the count.
 */
export async function signInWithPasskey(
  deps: PasskeyDeps,
  input: { response: unknown; userAgent: string | null; clientAddress: string },
): Promise<SignedIn> {
  const response = input.response as AuthenticationResponseJSON;
  try {
    return await verifiedSignIn(deps, input, response);
  } catch (error) {
    if (!(error instanceof KithError && error.code === 'SIGN_IN_FAILED')) throw error;
    const credentialId =
      typeof response?.id === 'string' && response.id.length <= 1024 ? response.id : undefined;
    throw await countPasskeyFailure(deps, input.clientAddress, credentialId, error);
  }
}

async function verifiedSignIn(
  deps: PasskeyDeps,
  input: { userAgent: string | null },
  response: AuthenticationResponseJSON,
): Promise<SignedIn> {
  // Checked now, spent once the assertion verified: a failure writes no challenge row.
  const challenge = checkSignInChallenge(deps, response);
  if (!challenge || typeof response?.id !== 'string') throw signInFailed(deps, 'challenge');
  const passkey = await findPasskeyByCredentialId(deps.db, response.id);
  if (!passkey) throw signInFailed(deps, 'unknown credential');
  const owner = await findOwnerById(deps.db, passkey.owner_id);
  // The user handle, when sent, must name the passkey's owner (WebAuthn L3 §7.2 step 6).
  if (!owner || (response.response?.userHandle && response.response.userHandle !== owner.webauthn_user_id)) {
    throw signInFailed(deps, 'user handle');
  }
  // Each challenge is used once (WebAuthn L3 §13.4.3): a replayed response finds it spent.
  const spend = async () => (await spendChallenge(deps, response, 'sign-in')) !== undefined;
  await verifyAssertion(deps, passkey, response, challenge.challenge, spend);
  return startSession(deps, { ownerId: owner.id, userAgent: input.userAgent, authenticated: true });
}

async function countPasskeyFailure(
  deps: PasskeyDeps,
  clientAddress: string,
  credentialId: string | undefined,
  failure: KithError,
): Promise<KithError> {
  const addressOver = await countSignInFailure(deps, 'passkey-address', clientAddress);
  // Past its budget an address adds no counters, whatever credential ids it makes up.
  const credentialOver =
    !addressOver &&
    credentialId !== undefined &&
    (await countSignInFailure(deps, 'passkey-credential', credentialId));
  return addressOver || credentialOver ? signInRateLimited(deps) : failure;
}

/** Options to confirm, inside a session, that the owner is present: one of their own passkeys. */
export async function reauthenticationOptions(
  deps: PasskeyDeps,
  ownerId: string,
): Promise<PublicKeyCredentialRequestOptionsJSON> {
  const { rpID } = relyingParty(deps.config);
  const passkeys = await listOwnerPasskeys(deps.db, ownerId);
  const options = await generateAuthenticationOptions({
    rpID,
    userVerification: 'required',
    allowCredentials: passkeys.map((p) => ({ id: p.credential_id, transports: transportsOf(p) })),
  });
  await rememberChallenge(deps, { challenge: options.challenge, purpose: 'reauthenticate', ownerId });
  return options;
}

/**
 * Checks a re-authentication assertion and marks the session fresh for
 * sensitive changes. Failures count against the session's owner, whom only
 * that owner's sessions can reach.
 */
export async function reauthenticate(
  deps: PasskeyDeps,
  input: { ownerId: string; sessionIdHash: string; response: unknown },
): Promise<void> {
  if (await isOverSignInBudget(deps, 'reauthenticate-owner', input.ownerId)) throw signInRateLimited(deps);
  try {
    const challenge = await spendChallenge(deps, input.response, 'reauthenticate');
    const response = input.response as AuthenticationResponseJSON;
    if (!challenge || challenge.owner_id !== input.ownerId || typeof response?.id !== 'string') {
      throw signInFailed(deps, 'challenge');
    }
    const passkey = await findPasskeyByCredentialId(deps.db, response.id);
    // Only the owner's own passkey proves the owner is here.
    if (!passkey || passkey.owner_id !== input.ownerId) throw signInFailed(deps, 'foreign credential');
    // The stored challenge is spent already.
    await verifyAssertion(deps, passkey, response, challenge.challenge, async () => true);
  } catch (error) {
    if (error instanceof KithError && error.code === 'SIGN_IN_FAILED') {
      await countSignInFailure(deps, 'reauthenticate-owner', input.ownerId);
    }
    throw error;
  }
  await markReauthenticated(deps, input.sessionIdHash);
}

/**
 * Verifies an assertion against its passkey, spends its challenge (`spend`
 * answers false when it was spent before) and records the use.
 */
async function verifyAssertion(
  deps: PasskeyDeps,
  passkey: PasskeyRow,
  response: AuthenticationResponseJSON,
  expectedChallenge: string,
  spend: () => Promise<boolean>,
): Promise<void> {
  const { rpID, origin } = relyingParty(deps.config);
  let verification: Awaited<ReturnType<typeof verifyAuthenticationResponse>>;
  try {
    verification = await verifyAuthenticationResponse({
      response,
      expectedChallenge,
      expectedOrigin: origin,
      expectedRPID: rpID,
      requireUserVerification: true,
      credential: {
        id: passkey.credential_id,
        publicKey: new Uint8Array(passkey.public_key),
        counter: Number(passkey.counter),
        transports: transportsOf(passkey),
      },
    });
  } catch (error) {
    // WebAuthn L3 §6.1.1: a counter that did not go up hints at a cloned authenticator. Refuse and
    // flag it — unless the response is a replay of one already used, whose counter is old by nature.
    if (error instanceof Error && /counter value/i.test(error.message) && (await spend())) {
      await flagPasskeyCounterRegression(deps.db, passkey.id, deps.clock.now());
      deps.logger?.warn({ ownerId: passkey.owner_id, passkeyId: passkey.id }, 'passkey.counter_regressed');
      throw signInFailed(deps, 'counter regression');
    }
    throw signInFailed(deps, 'verification threw');
  }
  if (!verification.verified) throw signInFailed(deps, 'not verified');
  if (!(await spend())) throw signInFailed(deps, 'challenge spent before');
  await recordPasskeyUse(deps.db, passkey.id, verification.authenticationInfo.newCounter, deps.clock.now());
}

function signInFailed(deps: PasskeyDeps, reason: string): KithError {
  // The reason stays in the server's debug log; the client only ever sees SIGN_IN_FAILED.
  deps.logger?.debug({ reason }, 'sign-in refused');
  return new KithError('SIGN_IN_FAILED');
}

function transportsOf(passkey: Pick<PasskeyRow, 'transports'>): AuthenticatorTransport[] {
  return JSON.parse(passkey.transports) as AuthenticatorTransport[];
}
