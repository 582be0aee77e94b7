import { describe, expect, it } from 'vitest';
import { newUserCode, normaliseUserCode } from './user-code.ts';

describe('user codes', () => {
  it('look like KITH-XXXX-XXXX with no look-alike characters', () => {
    for (let i = 0; i < 200; i++) {
      const code = newUserCode();
      expect(code).toMatch(/^KITH-[B-DF-HJ-NP-TV-XZ2-9]{4}-[B-DF-HJ-NP-TV-XZ2-9]{4}$/);
      expect(code.slice(5)).not.toMatch(/[01OIL]/);
    }
  });

  it('are read back however a person types them', () => {
    const code = 'KITH-7Q2F-9XBD';
    for (const typed of ['KITH-7Q2F-9XBD', 'kith-7q2f-9xbd', '7q2f 9xbd', '7Q2F9XBD', ' kith 7q2f-9xbd ']) {
      expect(normaliseUserCode(typed)).toBe(code);
    }
  });

  it('refuses what cannot be a code', () => {
    for (const typed of [
      '',
      'KITH',
      '7Q2F-9XB',
      '7Q2F-9XBDD',
      'AEIU-AEIU',
      '7Q2F-9XB!',
      'KITH-7Q2F-9XBD-1',
    ]) {
      expect(normaliseUserCode(typed)).toBeUndefined();
    }
  });
});
