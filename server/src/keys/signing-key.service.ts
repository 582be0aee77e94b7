import { createPrivateKey, generateKeyPairSync, type KeyObject, sign } from 'node:crypto';
import { MAX_GRANT_SECONDS } from '@kith/schemas';
import { calculateJwkThumbprint, type JWK, type JWTPayload, SignJWT } from 'jose';
import type { Clock } from '../clock.ts';
import type { Config } from '../config.ts';
import type { Db } from '../db/database.ts';
import { KithError } from '../http/kith-error.ts';
import {
  activateSigningKey,
  findActiveSigningKeys,
  findSigningKeys,
  insertSigningKeyIfSlotFree,
  lockActiveSigningKeys,
  retireSigningKey,
} from './signing-key.repository.ts';
import type { SigningKeyRow, SigningKeyStatus } from './signing-key.table.ts';
import type { VaultKeys } from './vault-keys.ts';

export interface SigningKeyDeps {
  db: Db;
  keys: VaultKeys;
  clock: Clock;
  config: Pick<Config, 'publicUrl'>;
  /** The vault's keyring in this process (`createKeyring`, made once by `openVault`). */
  keyring: Keyring;
}

/** The one algorithm the vault signs with (RFC 8037 Ed25519). */
export const VAULT_SIGNING_ALG = 'EdDSA';

/** A public key as the JWKS publishes it. */
export interface PublicSigningJwk extends JWK {
  kty: 'OKP';
  crv: 'Ed25519';
  x: string;
  kid: string;
  alg: typeof VAULT_SIGNING_ALG;
  use: 'sig';
}

/** A key of the vault as the keyring knows it, without its private half. */
export interface SigningKeyInfo {
  kid: string;
  status: SigningKeyStatus;
  createdAt: number;
  activatedAt: number | null;
  retiredAt: number | null;
  jwk: PublicSigningJwk;
}

// Other processes rotate too: a cached keyring is re-read this often.
const KEYRING_MAX_AGE_MS = 5_000;
const MAX_GRANT_MS = MAX_GRANT_SECONDS * 1000;

/** How long any cache may keep the JWKS (its `Cache-Control: max-age`): a vendor's HTTP cache, a CDN. */
export const JWKS_MAX_AGE_SECONDS = 300;

// How long a verifier that holds our JWKS waits before fetching it again for a
// kid it does not know: jose's createRemoteJWKSet (`cooldownDuration`, 30 s by
// default) and @kith/client's verifyWebhook both wait 30 s.
const VERIFIER_REFETCH_COOLDOWN_MS = 30_000;

/**
 * How long the next key must have been published before a rotation may make
 * it current: 6 minutes. A vendor may hold a JWKS taken just before the next
 * key appeared; it looks again for an unknown kid only after its cooldown
 * (30 s), an HTTP cache may then answer a copy up to `JWKS_MAX_AGE_SECONDS`
 * old, and another process of this vault serves its keyring up to 5 s stale.
 * Signing with the key sooner than their sum fails every receipt, grant and
 * `v1a` webhook signature such a vendor checks; the rest (25 s) is margin for
 * the clocks of different hosts. `kith keys rotate --force` skips the wait.
 */
export const NEXT_KEY_MIN_PUBLISHED_MS =
  JWKS_MAX_AGE_SECONDS * 1000 + VERIFIER_REFETCH_COOLDOWN_MS + KEYRING_MAX_AGE_MS + 25_000;

interface LoadedKeyring {
  loadedAt: number;
  keys: SigningKeyInfo[];
  current: { kid: string; privateKey: KeyObject } | undefined;
  loading: Promise<LoadedKeyring> | undefined;
}

/**
 * What one vault holds of its signing keys in this process: the keys as last
 * read (read again once 5 s old) and the private keys opened so far, by kid.
 * The vault owns it, so two vaults in one process keep two, as two server
 * processes would.
 */
export interface Keyring {
  loaded: LoadedKeyring | undefined;
  openedPrivateKeys: Map<string, KeyObject>;
}

/**
 * A keyring with nothing read yet: one per vault, made by `openVault`.
 *
 * @example
 * const keyring = createKeyring();
 * const jwks = await publicJwks({ db, keys, clock, config, keyring });
 */
export function createKeyring(): Keyring {
  return { loaded: undefined, openedPrivateKeys: new Map() };
}

/**
 * Makes sure a current and a next key exist; on first start it creates both.
 * Safe when several processes start at once: a unique index lets one insert
 * per slot win, and the others keep the winner's key.
 *
 * @example
 * await ensureSigningKeys(deps); // in main, before serving
 */
export async function ensureSigningKeys(deps: SigningKeyDeps): Promise<void> {
  const rows = await findActiveSigningKeys(deps.db);
  const now = deps.clock.now();
  if (!rows.some((r) => r.status === 'current')) {
    await insertSigningKeyIfSlotFree(deps.db, await newSigningKeyRow(deps.keys, 'current', now));
  }
  if (!rows.some((r) => r.status === 'next')) {
    await insertSigningKeyIfSlotFree(deps.db, await newSigningKeyRow(deps.keys, 'next', now));
  }
  deps.keyring.loaded = undefined;
}

/** What a rotation did: the kids it moved, and how long the new current key had been published. */
export interface RotatedSigningKeys {
  retired: string;
  current: string;
  next: string;
  /** How long `current` was published as the next key before it began to sign. */
  publishedForMs: number;
}

/**
 * Rotates: the next key (already published) becomes current, the current key
 * is retired (still published while tokens it signed live), and a new next
 * key is created, so no key signs before vendors could have fetched it.
 * Refuses with `KEY_ROTATION_TOO_SOON` (and a `retry-after` in seconds) while
 * the next key has been published for less than `NEXT_KEY_MIN_PUBLISHED_MS`,
 * unless `force` is set; a refused rotation changes nothing.
 *
 * @example
 * const { current } = await rotateSigningKeys(deps); // `kith keys rotate`
 * await rotateSigningKeys(deps, { force: true }); // `kith keys rotate --force`: a key leaked, vendors must cope
 */
export async function rotateSigningKeys(
  deps: SigningKeyDeps,
  options: { force?: boolean } = {},
): Promise<RotatedSigningKeys> {
  await ensureSigningKeys(deps);
  for (let attempt = 0; attempt < 3; attempt++) {
    const now = deps.clock.now();
    const newNext = await newSigningKeyRow(deps.keys, 'next', now);
    const rotated = await deps.db.transaction().execute(async (trx) => {
      const active = await lockActiveSigningKeys(trx);
      const current = active.find((r) => r.status === 'current');
      const next = active.find((r) => r.status === 'next');
      // Another process rotated while we waited for the lock: its new next key
      // is not visible to this transaction yet, so start again.
      if (!current || !next) return undefined;
      // A vendor holding a JWKS from before the next key appeared may not look
      // again for minutes: the key signs nothing until every such copy is gone.
      const publishedForMs = now - next.created_at;
      if (!options.force && publishedForMs < NEXT_KEY_MIN_PUBLISHED_MS) {
        const waitSeconds = Math.ceil((NEXT_KEY_MIN_PUBLISHED_MS - publishedForMs) / 1000);
        throw new KithError('KEY_ROTATION_TOO_SOON', {
          detail: `The next signing key was published ${Math.floor(publishedForMs / 1000)} s ago; it may become current ${waitSeconds} s from now.`,
          // RFC 9110 §10.2.3: how long to wait before trying again.
          headers: { 'retry-after': String(waitSeconds) },
        });
      }
      // Order matters: each slot is freed before it is filled again.
      await retireSigningKey(trx, current.kid, now);
      await activateSigningKey(trx, next.kid, now);
      await trx.insertInto('signing_keys').values(newNext).execute();
      return { retired: current.kid, current: next.kid, next: newNext.kid, publishedForMs };
    });
    if (rotated) {
      deps.keyring.loaded = undefined;
      return rotated;
    }
    await ensureSigningKeys(deps);
  }
  throw new Error('signing keys are being rotated by another process; try again');
}

/**
 * Signs a JWT with the current vault key: `alg: EdDSA`, `kid`, the given
 * `typ` (RFC 8725 §3.11: every token type of ours is explicitly typed), `iss`
 * the vault's issuer and `iat` now unless the payload sets it.
 *
 * @example
 * const token = await signJwt(deps, { typ: GRANT_TOKEN_TYPE, payload: { sub, aud, exp } });
 */
export async function signJwt(
  deps: SigningKeyDeps,
  input: { typ: string; payload: JWTPayload },
): Promise<string> {
  const { current } = await loadKeyring(deps);
  if (!current) throw new Error('the vault has no current signing key');
  const iat = input.payload.iat ?? Math.floor(deps.clock.now() / 1000);
  return new SignJWT({ ...input.payload, iss: vaultIssuer(deps), iat })
    .setProtectedHeader({ alg: VAULT_SIGNING_ALG, kid: current.kid, typ: input.typ })
    .sign(current.privateKey);
}

/**
 * Signs raw bytes with the current vault key (Ed25519, RFC 8032), for
 * signatures that are not JWTs: the `v1a` signature of a webhook. Verifiers
 * find the public key in the JWKS by the `kid` answered here.
 *
 * @example
 * const { kid, signature } = await signBytes(deps, Buffer.from(`${id}.${timestamp}.${body}`));
 */
export async function signBytes(
  deps: SigningKeyDeps,
  bytes: Uint8Array,
): Promise<{ kid: string; signature: Buffer }> {
  const { current } = await loadKeyring(deps);
  if (!current) throw new Error('the vault has no current signing key');
  return { kid: current.kid, signature: sign(null, bytes, current.privateKey) };
}

/**
 * The JWKS: the current and next keys, and retired keys still needed. By
 * default a retired key stays while a grant it signed could still be alive
 * (`MAX_GRANT_SECONDS`); `stillNeeded` narrows that, e.g. to keys of live grants.
 *
 * @example
 * const jwks = await publicJwks(deps); // { keys: [{ kid, kty: 'OKP', crv: 'Ed25519', x, alg: 'EdDSA', use: 'sig' }, …] }
 */
export async function publicJwks(
  deps: SigningKeyDeps,
  options: { stillNeeded?: (kid: string, retiredAt: number) => boolean } = {},
): Promise<{ keys: PublicSigningJwk[] }> {
  const { keys } = await loadKeyring(deps);
  const order: Record<SigningKeyStatus, number> = { current: 0, next: 1, retired: 2 };
  const published = keys.filter(
    (k) =>
      k.status !== 'retired' ||
      options.stillNeeded === undefined ||
      options.stillNeeded(k.kid, k.retiredAt ?? 0),
  );
  return { keys: published.sort((a, b) => order[a.status] - order[b.status]).map((k) => k.jwk) };
}

/** Every key the vault publishes, with its status and dates (for the CLI and tests). */
export async function listSigningKeys(deps: SigningKeyDeps): Promise<SigningKeyInfo[]> {
  return (await loadKeyring(deps, { force: true })).keys;
}

/** The vault's issuer identifier: its public origin. */
export function vaultIssuer(deps: { config: Pick<Config, 'publicUrl'> }): string {
  return deps.config.publicUrl.origin;
}

async function loadKeyring(deps: SigningKeyDeps, options: { force?: boolean } = {}): Promise<LoadedKeyring> {
  const cached = deps.keyring.loaded;
  const now = deps.clock.now();
  if (cached && !options.force && now - cached.loadedAt < KEYRING_MAX_AGE_MS) return cached;
  if (cached?.loading) return cached.loading;
  const loading = readKeyring(deps);
  if (cached) cached.loading = loading;
  try {
    const keyring = await loading;
    deps.keyring.loaded = keyring;
    return keyring;
  } finally {
    if (cached) cached.loading = undefined;
  }
}

async function readKeyring(deps: SigningKeyDeps): Promise<LoadedKeyring> {
  const now = deps.clock.now();
  let rows = await findSigningKeys(deps.db, now - MAX_GRANT_MS);
  if (!rows.some((r) => r.status === 'current') || !rows.some((r) => r.status === 'next')) {
    await ensureSigningKeys(deps);
    rows = await findSigningKeys(deps.db, now - MAX_GRANT_MS);
  }
  const keys = rows.map(toSigningKeyInfo);
  const currentRow = rows.find((r) => r.status === 'current');
  const current = currentRow
    ? { kid: currentRow.kid, privateKey: openPrivateKey(deps, currentRow) }
    : undefined;
  return { loadedAt: now, keys, current, loading: undefined };
}

function openPrivateKey(deps: SigningKeyDeps, row: SigningKeyRow): KeyObject {
  const opened = deps.keyring.openedPrivateKeys;
  const cached = opened.get(row.kid);
  if (cached) return cached;
  const der = deps.keys.openSecret(row.private_key_sealed, signingKeyContext(row.kid));
  const key = createPrivateKey({ key: der, format: 'der', type: 'pkcs8' });
  opened.set(row.kid, key);
  return key;
}

async function newSigningKeyRow(keys: VaultKeys, status: SigningKeyStatus, now: number) {
  const { publicKey, privateKey } = generateKeyPairSync('ed25519');
  const { x } = publicKey.export({ format: 'jwk' });
  if (typeof x !== 'string') throw new Error('Ed25519 public key without x');
  const kid = await calculateJwkThumbprint({ kty: 'OKP', crv: 'Ed25519', x }, 'sha256');
  const der = privateKey.export({ format: 'der', type: 'pkcs8' });
  return {
    kid,
    status,
    created_at: now,
    activated_at: status === 'current' ? now : null,
    retired_at: null,
    public_jwk: JSON.stringify({ kty: 'OKP', crv: 'Ed25519', x }),
    private_key_sealed: keys.sealSecret(der, signingKeyContext(kid)),
  };
}

function toSigningKeyInfo(row: SigningKeyRow): SigningKeyInfo {
  const { x } = JSON.parse(row.public_jwk) as { x: string };
  return {
    kid: row.kid,
    status: row.status,
    createdAt: row.created_at,
    activatedAt: row.activated_at,
    retiredAt: row.retired_at,
    jwk: { kty: 'OKP', crv: 'Ed25519', x, kid: row.kid, alg: VAULT_SIGNING_ALG, use: 'sig' },
  };
}

// Binds the sealed private key to its kid: a sealed key copied onto another row does not open.
/** The AAD of a signing key's sealed private half. */
export function signingKeyContext(kid: string): string {
  return `signing-key|${kid}`;
}
