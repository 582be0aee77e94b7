import { generateKeyPairSync, sign } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { verifyEd25519 } from './verify-ed25519.ts';

const { publicKey, privateKey } = generateKeyPairSync('ed25519');
const raw = Buffer.from(publicKey.export({ format: 'jwk' }).x as string, 'base64url');
const message = Buffer.from('eyJ0eXAiOiJkcG9wK2p3dCJ9.eyJodG0iOiJHRVQifQ');
const signature = sign(null, message, privateKey);

/** The order of Ed25519's base point, RFC 8032 §5.1 (L). */
const L = 2n ** 252n + 27742317777372353535851937790883648493n;

function littleEndian(n: bigint, bytes: number): Buffer {
  const out = Buffer.alloc(bytes);
  for (let i = 0; i < bytes; i++) out[i] = Number((n >> BigInt(8 * i)) & 0xffn);
  return out;
}

describe('verifyEd25519', () => {
  it('accepts a signature node:crypto made with the matching key', () => {
    expect(verifyEd25519(raw, message, signature)).toBe(true);
  });

  it('refuses a changed message, a changed signature and another key', () => {
    const changed = Buffer.from(message);
    changed[0] = (changed[0] as number) ^ 1;
    expect(verifyEd25519(raw, changed, signature)).toBe(false);
    for (let byte = 0; byte < 64; byte += 7) {
      const flipped = Buffer.from(signature);
      flipped[byte] = (flipped[byte] as number) ^ 0x10;
      expect(verifyEd25519(raw, message, flipped)).toBe(false);
    }
    const other = generateKeyPairSync('ed25519').publicKey.export({ format: 'jwk' }).x as string;
    expect(verifyEd25519(Buffer.from(other, 'base64url'), message, signature)).toBe(false);
  });

  it('refuses keys and signatures of the wrong size instead of throwing', () => {
    for (const size of [0, 31, 33, 64])
      expect(verifyEd25519(Buffer.alloc(size, 1), message, signature)).toBe(false);
    for (const size of [0, 32, 63, 65, 128])
      expect(verifyEd25519(raw, message, Buffer.concat([signature, signature]).subarray(0, size))).toBe(
        false,
      );
  });

  it('refuses a malleated signature whose S is not reduced (RFC 8032 §5.1.7: S < L)', () => {
    let s = 0n;
    for (let i = 31; i >= 0; i--) s = (s << 8n) | BigInt(signature[32 + i] as number);
    const malleated = Buffer.concat([signature.subarray(0, 32), littleEndian(s + L, 32)]);
    expect(verifyEd25519(raw, message, malleated)).toBe(false);
  });
});
