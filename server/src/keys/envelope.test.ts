import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { open, SealBrokenError, seal } from './envelope.ts';

const key = randomBytes(32);
const plaintext = Buffer.from('"ada@example.com"');

describe('seal and open', () => {
  it('opens what it sealed under the same key and context', () => {
    expect(open(key, seal(key, plaintext, 'owner:a|field:email'), 'owner:a|field:email')).toEqual(plaintext);
  });

  it('uses a fresh nonce for every seal, so equal values never look equal at rest', () => {
    const a = seal(key, plaintext, 'ctx');
    const b = seal(key, plaintext, 'ctx');
    expect(a.subarray(1, 13)).not.toEqual(b.subarray(1, 13));
    expect(a).not.toEqual(b);
  });

  it('does not contain the plaintext', () => {
    expect(seal(key, plaintext, 'ctx').includes(plaintext)).toBe(false);
  });

  it('refuses another context: a value moved to another owner or field does not open', () => {
    const sealed = seal(key, plaintext, 'owner:a|field:email');
    for (const context of ['owner:b|field:email', 'owner:a|field:name', '']) {
      expect(() => open(key, sealed, context)).toThrow(SealBrokenError);
    }
  });

  it('refuses another key', () => {
    expect(() => open(randomBytes(32), seal(key, plaintext, 'ctx'), 'ctx')).toThrow(SealBrokenError);
  });

  it('refuses every single flipped byte', () => {
    const sealed = seal(key, plaintext, 'ctx');
    for (let i = 0; i < sealed.length; i++) {
      const tampered = Buffer.from(sealed);
      tampered[i] = (tampered[i] ?? 0) ^ 0x01;
      expect(() => open(key, tampered, 'ctx')).toThrow(SealBrokenError);
    }
  });

  it('refuses truncated input', () => {
    for (const bytes of [Buffer.alloc(0), Buffer.of(1), seal(key, plaintext, 'ctx').subarray(0, 28)]) {
      expect(() => open(key, bytes, 'ctx')).toThrow(SealBrokenError);
    }
  });
});
