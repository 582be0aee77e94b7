import { createDecipheriv } from 'node:crypto';
import { createRequire } from 'node:module';

// Two formats, told apart by their first byte:
//   v1: 0x01 | nonce (12) | ciphertext | tag (16)   AES-256-GCM (node:crypto)
//   v2: 0x02 | nonce (24) | ciphertext | tag (16)   XChaCha20-Poly1305 (libsodium)
// Everything is sealed as v2 now; v1 still opens, so rows written before v2
// keep working until their next write (or `kith vault reseal`) seals them anew.
const FORMAT_V1 = 0x01;
const FORMAT_V2 = 0x02;
const V1_NONCE_BYTES = 12;
const V2_NONCE_BYTES = 24;
const TAG_BYTES = 16;

/** The envelope formats `open` accepts; `seal` writes the newest. */
export type SealedFormat = 1 | 2;

// The few libsodium calls used here, as sodium-native exposes them.
interface Sodium {
  crypto_aead_xchacha20poly1305_ietf_encrypt(
    c: Uint8Array,
    m: Uint8Array,
    ad: Uint8Array | null,
    nsec: null,
    npub: Uint8Array,
    k: Uint8Array,
  ): number;
  crypto_aead_xchacha20poly1305_ietf_decrypt(
    m: Uint8Array,
    nsec: null,
    c: Uint8Array,
    ad: Uint8Array | null,
    npub: Uint8Array,
    k: Uint8Array,
  ): number;
  randombytes_buf(buffer: Uint8Array): void;
}

// Loaded as the Ed25519 verifier loads it: by require from this file's place,
// so a bundle of the server still finds the native addon where it is installed.
const sodium = createRequire(import.meta.url)('sodium-native') as Sodium;

/** Authenticated decryption failed: wrong key, wrong context, or tampered bytes. */
export class SealBrokenError extends Error {
  override name = 'SealBrokenError';
}

/**
 * Encrypts with XChaCha20-Poly1305 (RFC 8439's AEAD with the 192-bit
 * extended nonce of draft-irtf-cfrg-xchacha) under a fresh random nonce.
 * 192 random bits never collide in practice, however many values one key
 * seals — unlike AES-GCM's 96-bit nonce, which NIST SP 800-38D §8.3 limits to
 * 2^32 random uses per key. `context` is the AAD: a sealed value opens only
 * under the same context, so a ciphertext copied to another owner's row or
 * another field does not decrypt.
 *
 * @example
 * const sealed = seal(dataKey, Buffer.from('"ada@example.com"'), 'owner:own_1|field:email');
 */
export function seal(key: Buffer, plaintext: Buffer, context: string): Buffer {
  const sealed = Buffer.allocUnsafe(1 + V2_NONCE_BYTES + plaintext.length + TAG_BYTES);
  sealed[0] = FORMAT_V2;
  const nonce = sealed.subarray(1, 1 + V2_NONCE_BYTES);
  sodium.randombytes_buf(nonce);
  sodium.crypto_aead_xchacha20poly1305_ietf_encrypt(
    sealed.subarray(1 + V2_NONCE_BYTES),
    plaintext,
    Buffer.from(context, 'utf8'),
    null,
    nonce,
    key,
  );
  return sealed;
}

/** Decrypts what `seal` produced (in either format) under the same key and context, or throws `SealBrokenError`. */
export function open(key: Buffer, sealed: Uint8Array, context: string): Buffer {
  const bytes = Buffer.from(sealed.buffer, sealed.byteOffset, sealed.byteLength);
  switch (sealedFormat(bytes)) {
    case 2:
      return openV2(key, bytes, context);
    case 1:
      return openV1(key, bytes, context);
    default:
      throw new SealBrokenError('unknown sealed format');
  }
}

/**
 * The format a sealed value was written in (by its version byte and length),
 * or `undefined` for bytes that are neither; resealing picks out the v1 ones.
 */
export function sealedFormat(sealed: Uint8Array): SealedFormat | undefined {
  if (sealed[0] === FORMAT_V2 && sealed.length >= 1 + V2_NONCE_BYTES + TAG_BYTES) return 2;
  if (sealed[0] === FORMAT_V1 && sealed.length >= 1 + V1_NONCE_BYTES + TAG_BYTES) return 1;
  return undefined;
}

function openV2(key: Buffer, bytes: Buffer, context: string): Buffer {
  const nonce = bytes.subarray(1, 1 + V2_NONCE_BYTES);
  const body = bytes.subarray(1 + V2_NONCE_BYTES);
  const plaintext = Buffer.allocUnsafe(body.length - TAG_BYTES);
  try {
    sodium.crypto_aead_xchacha20poly1305_ietf_decrypt(
      plaintext,
      null,
      body,
      Buffer.from(context, 'utf8'),
      nonce,
      key,
    );
  } catch {
    throw new SealBrokenError('authentication failed');
  }
  return plaintext;
}

// v1, read-only: AES-256-GCM as every row before v2 was sealed.
function openV1(key: Buffer, bytes: Buffer, context: string): Buffer {
  const nonce = bytes.subarray(1, 1 + V1_NONCE_BYTES);
  const tag = bytes.subarray(bytes.length - TAG_BYTES);
  const body = bytes.subarray(1 + V1_NONCE_BYTES, bytes.length - TAG_BYTES);
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, nonce);
    decipher.setAAD(Buffer.from(context, 'utf8'));
    decipher.setAuthTag(tag);
    return Buffer.concat([decipher.update(body), decipher.final()]);
  } catch {
    throw new SealBrokenError('authentication failed');
  }
}
