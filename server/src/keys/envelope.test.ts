import { createCipheriv, randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { open, SealBrokenError, seal, sealedFormat } from './envelope.ts';

const key = randomBytes(32);
const plaintext = Buffer.from('"ada@example.com"');

// A v1 envelope written the way every row was before v2 (AES-256-GCM,
// 0x01 | nonce 12 | ciphertext | tag 16), built here independently of the code under test.
function sealV1(k: Buffer, value: Buffer, context: string): Buffer {
  const nonce = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', k, nonce);
  cipher.setAAD(Buffer.from(context, 'utf8'));
  const body = Buffer.concat([cipher.update(value), cipher.final()]);
  return Buffer.concat([Buffer.of(0x01), nonce, body, cipher.getAuthTag()]);
}

describe('seal and open', () => {
  it('opens what it sealed under the same key and context', () => {
    expect(open(key, seal(key, plaintext, 'owner:a|field:email'), 'owner:a|field:email')).toEqual(plaintext);
  });

  it('seals v2: version byte 2, a 192-bit nonce, a 16-byte tag', () => {
    const sealed = seal(key, plaintext, 'ctx');
    expect(sealed[0]).toBe(0x02);
    expect(sealed.length).toBe(1 + 24 + plaintext.length + 16);
    expect(sealedFormat(sealed)).toBe(2);
  });

  it('uses a fresh nonce for every seal, so equal values never look equal at rest', () => {
    const a = seal(key, plaintext, 'ctx');
    const b = seal(key, plaintext, 'ctx');
    expect(a.subarray(1, 25)).not.toEqual(b.subarray(1, 25));
    expect(a).not.toEqual(b);
  });

  it('does not contain the plaintext', () => {
    expect(seal(key, plaintext, 'ctx').includes(plaintext)).toBe(false);
  });

  it('seals and opens an empty value', () => {
    expect(open(key, seal(key, Buffer.alloc(0), 'ctx'), 'ctx')).toEqual(Buffer.alloc(0));
  });

  it('refuses another context: a value moved to another owner or field does not open', () => {
    for (const sealed of [
      seal(key, plaintext, 'owner:a|field:email'),
      sealV1(key, plaintext, 'owner:a|field:email'),
    ]) {
      for (const context of ['owner:b|field:email', 'owner:a|field:name', '']) {
        expect(() => open(key, sealed, context)).toThrow(SealBrokenError);
      }
    }
  });

  it('refuses another key', () => {
    expect(() => open(randomBytes(32), seal(key, plaintext, 'ctx'), 'ctx')).toThrow(SealBrokenError);
    expect(() => open(randomBytes(32), sealV1(key, plaintext, 'ctx'), 'ctx')).toThrow(SealBrokenError);
  });

  it('refuses every single flipped byte, in both formats', () => {
    for (const sealed of [seal(key, plaintext, 'ctx'), sealV1(key, plaintext, 'ctx')]) {
      for (let i = 0; i < sealed.length; i++) {
        const tampered = Buffer.from(sealed);
        tampered[i] = (tampered[i] ?? 0) ^ 0x01;
        expect(() => open(key, tampered, 'ctx')).toThrow(SealBrokenError);
      }
    }
  });

  it('refuses truncated input and unknown version bytes', () => {
    const v2 = seal(key, plaintext, 'ctx');
    for (const bytes of [
      Buffer.alloc(0),
      Buffer.of(1),
      Buffer.of(2),
      v2.subarray(0, 40),
      sealV1(key, plaintext, 'ctx').subarray(0, 28),
      Buffer.concat([Buffer.of(0x03), v2.subarray(1)]),
      Buffer.concat([Buffer.of(0x00), v2.subarray(1)]),
    ]) {
      expect(() => open(key, bytes, 'ctx')).toThrow(SealBrokenError);
    }
  });
});

describe('v1 envelopes (AES-256-GCM) written before v2', () => {
  it('still open', () => {
    const sealed = sealV1(key, plaintext, 'owner:a|field:email');
    expect(sealedFormat(sealed)).toBe(1);
    expect(open(key, sealed, 'owner:a|field:email')).toEqual(plaintext);
  });

  it('are not mistaken for v2: a v1 body under a v2 version byte does not open', () => {
    const sealed = sealV1(key, plaintext, 'ctx');
    sealed[0] = 0x02;
    expect(() => open(key, sealed, 'ctx')).toThrow(SealBrokenError);
  });
});
