import { randomInt } from 'node:crypto';

// RFC 8628 §6.1: a short code from an alphabet without look-alikes (no 0/O,
// 1/I/L, no vowels so no words), read aloud on a call and typed on a phone.
const ALPHABET = 'BCDFGHJKMNPQRSTVWXZ23456789';
const GROUP = 4;

/**
 * A new user code like `KITH-7Q2F-9XBD`: 8 characters from 27 symbols is
 * about 38 bits; with a 15-minute lifetime and rate-limited entry that is far
 * beyond guessing.
 */
export function newUserCode(): string {
  const pick = () => Array.from({ length: GROUP }, () => ALPHABET[randomInt(ALPHABET.length)]).join('');
  return `KITH-${pick()}-${pick()}`;
}

/**
 * Normalises what a person typed: case, spaces, dashes and the optional
 * `KITH` prefix do not matter; look-alike letters are read as the digit meant.
 * Returns `undefined` when it cannot be a code.
 */
export function normaliseUserCode(typed: string): string | undefined {
  let text = typed.toUpperCase().replace(/[\s-]/g, '');
  if (text.startsWith('KITH')) text = text.slice(4);
  text = text.replace(/O/g, '0').replace(/[IL]/g, '1');
  if (text.length !== GROUP * 2 || [...text].some((c) => !ALPHABET.includes(c))) return undefined;
  return `KITH-${text.slice(0, GROUP)}-${text.slice(GROUP)}`;
}
