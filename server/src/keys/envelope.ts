import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

// Layout: version (1) | nonce (12) | ciphertext | tag (16). The version byte
// lets a later format (another cipher) coexist with rows written today.
const FORMAT_V1 = 0x01;
const NONCE_BYTES = 12;
const TAG_BYTES = 16;

/** Authenticated decryption failed: wrong key, wrong context, or tampered bytes. */
export class SealBrokenError extends Error {
  override name = 'SealBrokenError';
}

/**
 * Encrypts with AES-256-GCM under a fresh 96-bit nonce. `context` is the AAD:
 * a sealed value opens only under the same context, so a ciphertext copied to
 * another owner's row or another field does not decrypt.
 *
 * @example
 * const sealed = seal(dataKey, Buffer.from('"ada@example.com"'), 'owner:own_1|field:email');
 */
export function seal(key: Buffer, plaintext: Buffer, context: string): Buffer {
  const nonce = randomBytes(NONCE_BYTES);
  const cipher = createCipheriv('aes-256-gcm', key, nonce);
  cipher.setAAD(Buffer.from(context, 'utf8'));
  const body = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  return Buffer.concat([Buffer.of(FORMAT_V1), nonce, body, cipher.getAuthTag()]);
}

/** Decrypts what `seal` produced under the same key and context, or throws `SealBrokenError`. */
export function open(key: Buffer, sealed: Uint8Array, context: string): Buffer {
  const bytes = Buffer.from(sealed.buffer, sealed.byteOffset, sealed.byteLength);
  if (bytes.length < 1 + NONCE_BYTES + TAG_BYTES || bytes[0] !== FORMAT_V1) {
    throw new SealBrokenError('unknown sealed format');
  }
  const nonce = bytes.subarray(1, 1 + NONCE_BYTES);
  const tag = bytes.subarray(bytes.length - TAG_BYTES);
  const body = bytes.subarray(1 + NONCE_BYTES, bytes.length - TAG_BYTES);
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, nonce);
    decipher.setAAD(Buffer.from(context, 'utf8'));
    decipher.setAuthTag(tag);
    return Buffer.concat([decipher.update(body), decipher.final()]);
  } catch {
    throw new SealBrokenError('authentication failed');
  }
}
