import { describe, expect, it } from 'vitest';
import { normaliseVendorName, VENDOR_NAME_MAX_LENGTH } from './vendor-name.ts';

describe('normaliseVendorName', () => {
  it('leaves an ordinary name in any script as it is', () => {
    for (const name of [
      'Corner Shop',
      'Café Noir',
      'Ünïcödé GmbH',
      'שלום',
      'متجر',
      '東京ストア',
      'Shop & Co.',
      '★ Stars',
    ]) {
      expect(normaliseVendorName(name), name).toBe(name);
    }
  });

  it('answers empty for a name with nothing visible in it', () => {
    for (const raw of [
      '',
      ' ',
      '\u200B',
      '\u200B\u200C\u200D',
      '\u2060\uFEFF',
      '\u202E',
      '\u2066\u2069',
      '\u00AD\u00AD',
      '\u3164',
      '\u115F\u1160',
      '\uFE0F',
      '\u034F',
      '\u{E0041}\u{E0042}',
      '\uE000',
      '\t\n\r',
      '\u0007',
      '\u2028\u2029',
      '\u0301\u0301',
      '\u200E \u200F \u061C',
    ]) {
      expect(normaliseVendorName(raw), JSON.stringify(raw)).toBe('');
    }
  });

  it('removes every bidi control, so a name cannot reverse the text printed after it', () => {
    for (const control of [
      '\u202A',
      '\u202B',
      '\u202C',
      '\u202D',
      '\u202E',
      '\u2066',
      '\u2067',
      '\u2068',
      '\u2069',
      '\u200E',
      '\u200F',
      '\u061C',
    ]) {
      expect(normaliseVendorName(`Shop${control}moc.live`), control.codePointAt(0)?.toString(16)).toBe(
        'Shopmoc.live',
      );
    }
  });

  it('removes invisible characters inside a name', () => {
    expect(normaliseVendorName('Pay\u200BPal')).toBe('PayPal');
    expect(normaliseVendorName('Pay\u00ADPal\uFEFF')).toBe('PayPal');
    expect(normaliseVendorName('Shop\u{E0001}\u{E0041}')).toBe('Shop');
  });

  it('makes every space a plain one, collapses runs and trims (RFC 8266 §2.2)', () => {
    expect(normaliseVendorName('  Corner\u00A0\u3000 Shop\n\tLtd  ')).toBe('Corner Shop Ltd');
    expect(normaliseVendorName('Corner \u200B Shop')).toBe('Corner Shop');
  });

  it('folds compatibility forms with NFKC', () => {
    expect(normaliseVendorName('Ｓｈｏｐ')).toBe('Shop');
    expect(normaliseVendorName('e\u0301')).toBe('é');
  });

  it('keeps at most four combining marks on one letter', () => {
    expect(normaliseVendorName(`Z${'\u0336'.repeat(40)}alg`)).toBe(`Z${'\u0336'.repeat(4)}alg`);
  });

  it(`shortens a name longer than ${VENDOR_NAME_MAX_LENGTH} characters, ending it with an ellipsis`, () => {
    // U+FDFA is one character that NFKC spells out in 18.
    const long = normaliseVendorName('\uFDFA'.repeat(10));
    expect(Array.from(long).length).toBeLessThanOrEqual(VENDOR_NAME_MAX_LENGTH);
    expect(Array.from(long).length).toBeGreaterThan(VENDOR_NAME_MAX_LENGTH - 3);
    expect(long.endsWith('…')).toBe(true);
  });
});
