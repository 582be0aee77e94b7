import { type KeyObject, timingSafeEqual, verify as verifySignature } from 'node:crypto';
import { isVendorSigningAlg, VENDOR_SIGNING_ALGS } from '@kith/schemas';
import { calculateJwkThumbprint, type JWK } from 'jose';
import type { Clock } from '../clock.ts';
import type { Config } from '../config.ts';
import type { Db } from '../db/database.ts';
import { KithError } from '../http/kith-error.ts';
import type { Ed25519Verifier } from './ed25519-verifier.ts';
import { importVendorJwk } from './public-jwk.ts';
import { jtiKey, useJtiOnce } from './replay-cache.ts';

export interface DpopDeps {
  db: Db;
  clock: Clock;
  config: Pick<Config, 'publicUrl'>;
  /** Ed25519 proofs' signatures, checked on a thread of their own in batches; one per vault (vault.ts). */
  ed25519: Ed25519Verifier;
  /** The proof keys this vault has seen verify (`createDpopProofKeys`, made by `openVault`). */
  dpopProofKeys: DpopProofKeys;
}

export interface VerifyDpopProofInput {
  /** The `DPoP` header as received; several headers arrive joined by commas. */
  dpop: string | undefined;
  /** The request method, e.g. `GET`. */
  method: string;
  /** The request path (`c.req.path`); the URL is rebuilt on the public URL so a proxy in front changes nothing. */
  path: string;
  /**
   * The base64url SHA-256 of the access token sent with the proof
   * (`Authorization: DPoP <token>`), which the proof must carry as `ath`.
   * The caller hashes the token anyway, to find the grant it stands for.
   */
  accessTokenHash?: string;
}

export interface VerifiedDpopProof {
  /** The RFC 7638 SHA-256 thumbprint of the proof key: what `cnf.jkt` binds a grant to. */
  jkt: string;
  /** The proof's public key. */
  jwk: JWK;
}

/** RFC 9449 §4.2: the proof's media type. */
export const DPOP_PROOF_TYPE = 'dpop+jwt';
/** How far a proof's `iat` may be from our clock, either way. */
export const DPOP_IAT_WINDOW_MS = 60_000;
const MAX_PROOF_LENGTH = 8192;
const JWS_COMPACT = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/;

/** A proof that passed every check but the replay check: its `jti` is not spent yet. */
export interface CheckedDpopProof extends VerifiedDpopProof {
  /** The proof's `jti`, hashed with its key's thumbprint: the replay cache's key. */
  jtiHash: string;
  /** Until when the `jti` must stay spent: the proof is refused on its `iat` after that. */
  jtiExpiresAt: number;
}

/** A proof key and its thumbprint, as its protected header names them. */
export interface ProofKey {
  key: KeyObject;
  /** An Ed25519 key's 32 bytes, as libsodium takes them. */
  raw: Buffer | undefined;
  jwk: JWK;
  jkt: string;
}

/**
 * Vendors sign every proof with the same few keys: each header is parsed and
 * imported once. Only a header whose proof passed every check is kept (an
 * unsigned one costs its sender nothing to make, so caching it before the
 * signature check let anyone fill the cache and push real vendors' keys out),
 * and only a header of a real key's size: a bare EdDSA or ES256 header is
 * about 200 characters, so 1 KiB bounds the cache at about 10 MB.
 */
const PROOF_KEY_CACHE_LIMIT = 10_000;
const PROOF_KEY_CACHE_MAX_HEADER = 1024;

/** A vault's proof keys by encoded protected header, oldest first; its `size` is for tests and metrics. */
export type DpopProofKeys = Map<string, ProofKey>;

/**
 * An empty cache of proof keys: one per vault, made by `openVault`, so what
 * one vault's vendors sent never answers for another's.
 *
 * @example
 * const dpopProofKeys = createDpopProofKeys();
 * const { jkt } = await verifyDpopProof({ db, clock, config, ed25519, dpopProofKeys }, input);
 */
export function createDpopProofKeys(): DpopProofKeys {
  return new Map();
}

/**
 * Checks a DPoP proof as RFC 9449 §4.3 lists, and uses its `jti` once.
 * Every failure is `INVALID_DPOP_PROOF` with a `WWW-Authenticate: DPoP`
 * challenge; the reason stays on the server (as the error's `cause`).
 *
 * @example
 * const { jkt } = await verifyDpopProof(deps, { dpop: c.req.header('dpop'), method: c.req.method, path: c.req.path, accessTokenHash: sha256(token) });
 * if (jkt !== grant.cnf.jkt) throw new KithError('INVALID_DPOP_PROOF');
 */
export async function verifyDpopProof(
  deps: DpopDeps,
  input: VerifyDpopProofInput,
): Promise<VerifiedDpopProof> {
  const { jkt, jwk, jtiHash, jtiExpiresAt } = await checkDpopProof(deps, input);
  // §11.1: the jti has not been used before with this key. Checked last, so
  // only a proof that passed every other check is stored.
  if (!(await useJtiOnce(deps, 'dpop_proof_jtis', { jtiHash, expiresAt: jtiExpiresAt })))
    throw refuse('the jti was used before');
  return { jkt, jwk };
}

/**
 * Every check of `verifyDpopProof` but the last: the caller spends the
 * `jti` itself (`jtiHash`, until `jtiExpiresAt`), in the transaction that
 * acts on the proof, and refuses the request if it was spent before.
 */
export async function checkDpopProof(deps: DpopDeps, input: VerifyDpopProofInput): Promise<CheckedDpopProof> {
  const proof = input.dpop;

  // §4.3 (1): there is exactly one DPoP HTTP request header field.
  if (proof === undefined || proof === '') throw refuse('no DPoP header');
  if (proof.includes(',')) throw refuse('more than one DPoP header');
  if (proof.length > MAX_PROOF_LENGTH) throw refuse('the proof is too long');

  // §4.3 (2): the DPoP header field value is a single well-formed JWT.
  if (!JWS_COMPACT.test(proof)) throw refuse('the proof is not a compact JWS');
  const [encodedHeader, encodedPayload, encodedSignature] = proof.split('.') as [string, string, string];

  // §4.3 (4, 5, 7): typ, alg and a public jwk, checked once per distinct header that verified before.
  const known = deps.dpopProofKeys.get(encodedHeader);
  const proofKey = known ?? (await proofKeyOf(encodedHeader));
  const { jwk, jkt } = proofKey;

  // §4.3 (6): the JWT signature verifies with the public key in the jwk header.
  const signingInput = Buffer.from(proof.slice(0, encodedHeader.length + 1 + encodedPayload.length));
  const signature = Buffer.from(encodedSignature, 'base64url');
  if (!(await signatureVerifies(deps.ed25519, proofKey, signingInput, signature)))
    throw refuse('the signature does not verify');
  const payload = parseJsonObject(encodedPayload);
  if (!payload) throw refuse('the proof payload is not a JSON object');

  // RFC 7519 §4.1.4–4.1.5: a proof may carry exp and nbf; if it does, they hold.
  const now = deps.clock.now();
  if (payload.exp !== undefined && !(typeof payload.exp === 'number' && now < payload.exp * 1000))
    throw refuse('exp has passed');
  if (payload.nbf !== undefined && !(typeof payload.nbf === 'number' && payload.nbf * 1000 <= now))
    throw refuse('nbf is in the future');

  // §4.3 (8): the htm claim matches the HTTP method of the request.
  if (payload.htm !== input.method) throw refuse('htm does not match the method');

  // §4.3 (9): the htu claim matches the request URL, ignoring query and fragment.
  const expectedUrl = requestUrl(deps, input.path);
  if (
    typeof payload.htu !== 'string' ||
    expectedUrl === undefined ||
    withoutQuery(payload.htu) !== expectedUrl
  ) {
    throw refuse('htu does not match the URL');
  }

  // §4.3 (11): the proof was created recently (iat within an acceptable window).
  const iat = payload.iat;
  if (typeof iat !== 'number' || !Number.isFinite(iat)) throw refuse('no iat');
  if (Math.abs(now - iat * 1000) > DPOP_IAT_WINDOW_MS) throw refuse('iat is too far from now');

  // §4.3 (12): with an access token, ath is the base64url SHA-256 of that token.
  if (input.accessTokenHash !== undefined) {
    const expected = Buffer.from(input.accessTokenHash, 'base64url');
    const ath = typeof payload.ath === 'string' ? Buffer.from(payload.ath, 'base64url') : Buffer.alloc(0);
    if (ath.length !== expected.length || !timingSafeEqual(ath, expected))
      throw refuse('ath does not match the token');
  }

  // §11.1: a jti to remember, so the proof is used once.
  const jti = payload.jti;
  if (typeof jti !== 'string' || jti.length < 16 || jti.length > 256)
    throw refuse('no jti, or one too short or long');

  // Every check passed, the signature among them: this header is a real vendor's key.
  if (!known) rememberProofKey(deps.dpopProofKeys, encodedHeader, proofKey);
  return {
    jkt,
    jwk,
    jtiHash: jtiKey(jkt, jti),
    jtiExpiresAt: iat * 1000 + DPOP_IAT_WINDOW_MS,
  };
}

async function proofKeyOf(encodedHeader: string): Promise<ProofKey> {
  const header = parseJsonObject(encodedHeader);
  if (!header) throw refuse('the proof header is not JSON');

  // §4.3 (4): the typ JOSE Header Parameter has the value dpop+jwt.
  if (header.typ !== DPOP_PROOF_TYPE) throw refuse('typ is not dpop+jwt');

  // §4.3 (5): alg is an asymmetric algorithm we support, never none nor a MAC (RFC 8725 §3.1).
  if (!isVendorSigningAlg(header.alg)) throw refuse('alg is not EdDSA or ES256');

  // RFC 7515 §4.1.11: a critical extension we do not understand voids the JWS; we understand none.
  if (header.crit !== undefined) throw refuse('crit names an extension we do not support');

  // §4.3 (7): the jwk JOSE Header Parameter does not contain a private key.
  const imported = importVendorJwk(header.jwk, header.alg);
  if ('problem' in imported) throw refuse(`jwk: ${imported.problem}`);

  const jwk: JWK = { ...(header.jwk as JWK) };
  const proofKey: ProofKey = {
    key: imported.key,
    raw:
      imported.alg === 'EdDSA'
        ? Buffer.from(imported.key.export({ format: 'jwk' }).x as string, 'base64url')
        : undefined,
    jwk,
    jkt: await calculateJwkThumbprint(jwk, 'sha256'),
  };
  return proofKey;
}

function rememberProofKey(proofKeys: DpopProofKeys, encodedHeader: string, proofKey: ProofKey) {
  if (encodedHeader.length > PROOF_KEY_CACHE_MAX_HEADER) return;
  if (proofKeys.size >= PROOF_KEY_CACHE_LIMIT) proofKeys.delete(proofKeys.keys().next().value as string);
  proofKeys.set(encodedHeader, proofKey);
}

/**
 * The signature check, off the event loop: Ed25519 (what vendors sign with
 * by default) on the batching verifier's thread, ES256 on libuv's pool.
 */
function signatureVerifies(
  ed25519: Ed25519Verifier,
  proofKey: ProofKey,
  signingInput: Buffer,
  signature: Buffer,
): Promise<boolean> {
  if (proofKey.raw !== undefined) return ed25519.verify(proofKey.raw, signingInput, signature);
  return new Promise((resolve) => {
    // A signature OpenSSL cannot even parse does not verify.
    const done = (error: Error | null, verified: boolean) => resolve(error === null && verified);
    verifySignature(
      'sha256',
      signingInput,
      { key: proofKey.key, dsaEncoding: 'ieee-p1363' },
      signature,
      done,
    );
  });
}

function parseJsonObject(encoded: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(Buffer.from(encoded, 'base64url').toString('utf8'));
    return typeof value === 'object' && value !== null && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

function requestUrl(deps: DpopDeps, path: string): string | undefined {
  // Concatenated, not resolved: a path like `//host/x` must not change the origin.
  return withoutQuery(`${deps.config.publicUrl.origin}${path}`);
}

// RFC 9449 §4.3 (9) and RFC 3986 §6.2.2–6.2.3: compare normalised URLs without query and fragment.
function withoutQuery(value: string): string | undefined {
  try {
    const url = new URL(value);
    return `${url.origin}${url.pathname}`;
  } catch {
    return undefined;
  }
}

function refuse(reason: string): KithError {
  return new KithError('INVALID_DPOP_PROOF', {
    cause: reason,
    // RFC 9449 §7.1: the challenge names the error and the algorithms we accept.
    headers: {
      'www-authenticate': `DPoP error="invalid_dpop_proof", algs="${VENDOR_SIGNING_ALGS.join(' ')}"`,
    },
  });
}
