import { createRequire } from 'node:module';

/**
 * Unicode's confusables mapping (UTS #39 confusables.txt, 13.0, as shipped by
 * the unhomoglyph package): each key is one code point, each value the
 * prototype it looks like ("а" Cyrillic → "a", "0" → "O", "m" → "rn").
 */
const CONFUSABLES = new Map(Object.entries(createRequire(import.meta.url)('unhomoglyph/data.json') as Record<string, string>));

const DEFAULT_IGNORABLE = /\p{Default_Ignorable_Code_Point}/gu;

/** UTS #39 §4: NFD, drop default-ignorable code points, map each to its prototype, NFD again. */
function prototype(text: string): string {
  let out = '';
  for (const ch of text.normalize('NFD').replace(DEFAULT_IGNORABLE, '')) out += CONFUSABLES.get(ch) ?? ch;
  return out.normalize('NFD');
}

/**
 * The key two usernames that look alike share: the UTS #39 skeleton of the
 * lower-cased name (usernames are compared case-blind, as UTS #39 advises for
 * such identifiers), lower-cased and mapped once more because some prototypes
 * are capitals ("0" → "O"): so "АLICE" (Cyrillic А), "аlice" and "alice" meet,
 * and so do "b0b" and "bob". Not for display: "m" becomes "rn".
 */
export function usernameSkeleton(username: string): string {
  return prototype(prototype(username.normalize('NFKC').trim().toLowerCase()).toLowerCase());
}
