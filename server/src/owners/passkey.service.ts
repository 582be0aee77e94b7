import {
  type AuthenticatorTransport,
  generateRegistrationOptions,
  type PublicKeyCredentialCreationOptionsJSON,
  type RegistrationResponseJSON,
  verifyRegistrationResponse,
} from '@simplewebauthn/server';
import type { Logger } from 'pino';
import type { Clock } from '../clock.ts';
import type { Config } from '../config.ts';
import type { Db } from '../db/database.ts';
import { KithError } from '../http/kith-error.ts';
import { newId, newToken } from '../ids.ts';
import { open, seal } from '../keys/envelope.ts';
import type { VaultKeys } from '../keys/vault-keys.ts';
import { describeDevice } from './device-name.ts';
import { ensureWebauthnUserId, findOwnerById } from './owner.repository.ts';
import { getOwner, ownerDataKey } from './owner.service.ts';
import {
  countOwnerPasskeys,
  deletePasskey,
  findOwnerPasskey,
  findPasskeyByCredentialId,
  insertPasskey,
  listOwnerPasskeys,
  renamePasskey as renamePasskeyRow,
} from './passkey.repository.ts';
import type { PasskeyRow } from './passkey.table.ts';
import { countUnusedRecoveryCodes } from './recovery-code.repository.ts';
import { isFreshlyAuthenticated, type Session } from './session.service.ts';
import { relyingParty, rememberChallenge, spendChallenge } from './webauthn-challenge.service.ts';

export interface PasskeyDeps {
  db: Db;
  keys: VaultKeys;
  clock: Clock;
  config: Pick<Config, 'publicUrl' | 'session' | 'signIn' | 'trustedProxies'>;
  logger?: Logger;
}

/** A passkey as the owner sees it. */
export interface Passkey {
  id: string;
  name: string;
  createdAt: number;
  lastUsedAt: number | null;
  backedUp: boolean;
  /** True once an assertion came with a counter that did not go up: the key may have been cloned. */
  counterRegressed: boolean;
}

/** A signed-in session, with the cookie token to hand the browser. */
export interface SignedIn {
  token: string;
  session: Session;
}

/**
 * Options to register one more passkey. Adding a way in is sensitive, so the
 * session must have proved presence in the last five minutes.
 */
export async function registrationOptions(
  deps: PasskeyDeps,
  input: { ownerId: string; session: Session },
): Promise<PublicKeyCredentialCreationOptionsJSON> {
  if (!isFreshlyAuthenticated(deps, input.session)) throw new KithError('REAUTHENTICATION_REQUIRED');
  const options = await newPasskeyOptions(deps, input.ownerId);
  await rememberChallenge(deps, {
    challenge: options.challenge,
    purpose: 'register',
    ownerId: input.ownerId,
  });
  return options;
}

/** Verifies a registration and stores the new passkey. */
export async function registerPasskey(
  deps: PasskeyDeps,
  input: { ownerId: string; session: Session; response: unknown; userAgent: string | null },
): Promise<Passkey> {
  if (!isFreshlyAuthenticated(deps, input.session)) throw new KithError('REAUTHENTICATION_REQUIRED');
  const challenge = await spendChallenge(deps, input.response, 'register');
  if (!challenge || challenge.owner_id !== input.ownerId) throw new KithError('CHALLENGE_INVALID');
  return storeNewPasskey(deps, {
    ownerId: input.ownerId,
    response: input.response,
    expectedChallenge: challenge.challenge,
    userAgent: input.userAgent,
  });
}

/** The owner's passkeys, oldest first, names opened. */
export async function listPasskeys(deps: PasskeyDeps, ownerId: string): Promise<Passkey[]> {
  const owner = await findOwnerById(deps.db, ownerId);
  if (!owner) throw new KithError('UNAUTHENTICATED');
  const dataKey = ownerDataKey(deps.keys, owner);
  return (await listOwnerPasskeys(deps.db, ownerId)).map((row) => ({
    id: row.id,
    name: open(dataKey, row.name_sealed, passkeyNameContext(ownerId, row.id)).toString('utf8'),
    createdAt: row.created_at,
    lastUsedAt: row.last_used_at,
    backedUp: row.backed_up === 1,
    counterRegressed: row.counter_regressed_at !== null,
  }));
}

/** Renames one of the owner's passkeys. */
export async function renamePasskey(
  deps: PasskeyDeps,
  input: { ownerId: string; id: string; name: string },
): Promise<void> {
  const name = input.name.normalize('NFC').trim();
  if (name.length < 1 || name.length > 60 || /\p{Cc}/u.test(name)) {
    throw new KithError('VALIDATION_FAILED', {
      detail: 'A passkey name is 1 to 60 characters.',
      errors: [{ path: 'name', code: 'invalid', message: 'Give the passkey a name of 1 to 60 characters.' }],
    });
  }
  const owner = await findOwnerById(deps.db, input.ownerId);
  const passkey = await findOwnerPasskey(deps.db, input.ownerId, input.id);
  if (!owner || !passkey) throw new KithError('NOT_FOUND');
  const dataKey = ownerDataKey(deps.keys, owner);
  await renamePasskeyRow(
    deps.db,
    passkey.id,
    seal(dataKey, Buffer.from(name), passkeyNameContext(owner.id, passkey.id)),
  );
}

/**
 * Removes one of the owner's passkeys. Never the last one while no recovery
 * code is left: that would lock the owner out for good.
 */
export async function removePasskey(
  deps: PasskeyDeps,
  input: { ownerId: string; session: Session; id: string },
): Promise<void> {
  if (!isFreshlyAuthenticated(deps, input.session)) throw new KithError('REAUTHENTICATION_REQUIRED');
  await deps.db.transaction().execute(async (trx) => {
    if (!(await findOwnerPasskey(trx, input.ownerId, input.id))) throw new KithError('NOT_FOUND');
    const remaining = (await countOwnerPasskeys(trx, input.ownerId)) - 1;
    if (remaining < 1 && (await countUnusedRecoveryCodes(trx, input.ownerId)) === 0) {
      throw new KithError('LAST_PASSKEY');
    }
    await deletePasskey(trx, input.ownerId, input.id);
  });
}

/** Registration options for an owner's next passkey: a resident key, user verification required. */
export async function newPasskeyOptions(
  deps: PasskeyDeps,
  ownerId: string,
): Promise<PublicKeyCredentialCreationOptionsJSON> {
  const owner = await getOwner(deps, ownerId);
  if (!owner) throw new KithError('UNAUTHENTICATED');
  const userHandle = await ensureWebauthnUserId(deps.db, ownerId, newToken());
  const { rpName, rpID } = relyingParty(deps.config);
  const existing = await listOwnerPasskeys(deps.db, ownerId);
  return generateRegistrationOptions({
    rpName,
    rpID,
    userName: owner.name,
    userDisplayName: owner.name,
    userID: Buffer.from(userHandle, 'base64url'),
    attestationType: 'none',
    // The same authenticator twice would be one key under two names.
    excludeCredentials: existing.map((p) => ({ id: p.credential_id, transports: transportsOf(p) })),
    authenticatorSelection: { residentKey: 'required', userVerification: 'required' },
  });
}

/** Verifies a registration response against its challenge and stores the credential. */
export async function storeNewPasskey(
  deps: PasskeyDeps,
  input: { ownerId: string; response: unknown; expectedChallenge: string; userAgent: string | null },
): Promise<Passkey> {
  const { rpID, origin } = relyingParty(deps.config);
  let verification: Awaited<ReturnType<typeof verifyRegistrationResponse>>;
  try {
    verification = await verifyRegistrationResponse({
      response: input.response as RegistrationResponseJSON,
      expectedChallenge: input.expectedChallenge,
      expectedOrigin: origin,
      expectedRPID: rpID,
      requireUserVerification: true,
    });
  } catch (error) {
    throw new KithError('CHALLENGE_INVALID', {
      detail: 'The new passkey could not be verified.',
      cause: error,
    });
  }
  if (!verification.verified)
    throw new KithError('CHALLENGE_INVALID', { detail: 'The new passkey could not be verified.' });
  const { credential, credentialDeviceType, credentialBackedUp } = verification.registrationInfo;
  const owner = await findOwnerById(deps.db, input.ownerId);
  if (!owner) throw new KithError('UNAUTHENTICATED');
  if (await findPasskeyByCredentialId(deps.db, credential.id)) {
    throw new KithError('CHALLENGE_INVALID', { detail: 'This passkey is already registered.' });
  }
  const id = newId('pk');
  const name = describeDevice(input.userAgent);
  const now = deps.clock.now();
  await insertPasskey(deps.db, {
    id,
    owner_id: owner.id,
    credential_id: credential.id,
    public_key: Buffer.from(credential.publicKey),
    counter: credential.counter,
    transports: JSON.stringify(credential.transports ?? []),
    device_type: credentialDeviceType,
    backed_up: credentialBackedUp ? 1 : 0,
    name_sealed: seal(ownerDataKey(deps.keys, owner), Buffer.from(name), passkeyNameContext(owner.id, id)),
    created_at: now,
    last_used_at: null,
    counter_regressed_at: null,
  });
  deps.logger?.info({ ownerId: owner.id, passkeyId: id }, 'passkey.registered');
  return {
    id,
    name,
    createdAt: now,
    lastUsedAt: null,
    backedUp: credentialBackedUp,
    counterRegressed: false,
  };
}

function transportsOf(passkey: Pick<PasskeyRow, 'transports'>): AuthenticatorTransport[] {
  return JSON.parse(passkey.transports) as AuthenticatorTransport[];
}

/** The AAD of a passkey's sealed name. */
export function passkeyNameContext(ownerId: string, passkeyId: string): string {
  return `owner:${ownerId}|passkey:${passkeyId}|name`;
}
