/** The longest name shown, in characters, as the metadata schema allows. */
export const VENDOR_NAME_MAX_LENGTH = 100;

// Characters that change how the text around them is drawn, or draw nothing at all:
// controls, format characters (the bidi embeddings, overrides and isolates
// U+202A–202E and U+2066–2069, the marks U+200E/F and U+061C, zero-width space,
// joiners, word joiner, soft hyphen, BOM, tag characters), every other default-ignorable
// code point (Hangul fillers, variation selectors, combining grapheme joiner…),
// private-use characters and unpaired surrogates.
const INVISIBLE = /[\p{Cc}\p{Cf}\p{Co}\p{Cs}\p{Default_Ignorable_Code_Point}]/gu;
const SPACES = /[\s\p{Zs}\p{Zl}\p{Zp}]+/gu;
// A pile of combining marks on one letter draws over the lines around it; four is
// more than any script needs.
const STACKED_MARKS = /(\p{M}{4})\p{M}+/gu;
// Something to read: a letter, digit, punctuation or symbol.
const VISIBLE = /[\p{L}\p{N}\p{P}\p{S}]/u;

/**
 * A vendor's self-chosen name as the owner may be shown it, or `''` when
 * nothing visible is left. Follows the PRECIS Nickname profile (RFC 8266 §2):
 * NFKC, every space a plain space, runs collapsed, trimmed; and removes what
 * could make it lie about itself or the text beside it: bidi controls (an
 * unclosed U+202E would reverse the domain printed after the name) and
 * invisible characters (a name of only zero-width characters shows as nothing).
 *
 * @example
 * normaliseVendorName('Shop\u202Emoc.evil'); // 'Shopmoc.evil'
 * normaliseVendorName('\u200B\u200B'); // ''
 */
export function normaliseVendorName(raw: string): string {
  const name = raw
    .normalize('NFKC')
    .replace(SPACES, ' ')
    .replace(INVISIBLE, '')
    .replace(STACKED_MARKS, '$1')
    // Removing a joiner can bring together characters that compose.
    .normalize('NFKC')
    .replace(SPACES, ' ')
    .trim();
  if (!VISIBLE.test(name)) return '';
  const characters = Array.from(name);
  return characters.length <= VENDOR_NAME_MAX_LENGTH
    ? name
    : `${characters
        .slice(0, VENDOR_NAME_MAX_LENGTH - 1)
        .join('')
        .trimEnd()}…`;
}
