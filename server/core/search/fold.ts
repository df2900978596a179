/**
 * Letters NFKD does not take apart (they are letters of their own, not a
 * base letter with a mark), written the way a keyboard without them would.
 */
const LETTERS: Readonly<Record<string, string>> = {
  ß: 'ss',
  æ: 'ae',
  œ: 'oe',
  ø: 'o',
  ł: 'l',
  đ: 'd',
  ð: 'd',
  þ: 'th',
  ı: 'i',
  ħ: 'h',
  ŧ: 't',
  ŀ: 'l',
  ĸ: 'k',
  ŋ: 'n',
  ſ: 's',
  ƒ: 'f',
  ɨ: 'i',
  ʉ: 'u',
  ƀ: 'b',
  ɍ: 'r',
  ȼ: 'c',
  ȥ: 'z',
};

const MARKS = /\p{M}/gu;
const SPECIAL = new RegExp(`[${Object.keys(LETTERS).join('')}]`, 'gu');

/**
 * The form user searches compare: lower-case, compatibility-decomposed
 * (NFKD), combining marks dropped, and the few letters NFKD leaves whole
 * (ß, æ, ø, ł, …) spelt out, then recomposed (NFC, so Hangul stays
 * syllables). "Chloé", "CHLOE" and "chloe" fold alike, "Müller" and
 * "muller", "Straße" and "strasse", "Łukasz" and "lukasz". Stored text and
 * the typed query are folded the same way, so a search matches both ways.
 * Lower-case before NFKD (some capitals become a letter with a mark: "İ" →
 * "i̇") and after it (compatibility forms open up to capitals: "𝕬" → "A").
 */
export function foldForSearch(text: string): string {
  return text
    .toLowerCase()
    .normalize('NFKD')
    .replace(MARKS, '')
    .toLowerCase()
    .replace(SPECIAL, (ch) => LETTERS[ch]!)
    .normalize('NFC');
}
