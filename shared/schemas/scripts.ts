/**
 * Which writing systems a name's letters come from, for UTS #39's "highly
 * restrictive" profile: one script, or Latin with the scripts written beside
 * it in Chinese, Japanese and Korean. A name that mixes Latin with Cyrillic or
 * Greek ("аlice" with a Cyrillic "а") exists only to look like another.
 */

/** Scripts told apart by name; a letter of any other counts as "another script". */
const SCRIPTS = [
  'Latin',
  'Cyrillic',
  'Greek',
  'Armenian',
  'Georgian',
  'Cherokee',
  'Hebrew',
  'Arabic',
  'Syriac',
  'Thaana',
  'Nko',
  'Devanagari',
  'Bengali',
  'Gurmukhi',
  'Gujarati',
  'Oriya',
  'Tamil',
  'Telugu',
  'Kannada',
  'Malayalam',
  'Sinhala',
  'Thai',
  'Lao',
  'Tibetan',
  'Myanmar',
  'Khmer',
  'Mongolian',
  'Ethiopic',
  'Canadian_Aboriginal',
  'Ogham',
  'Runic',
  'Han',
  'Hiragana',
  'Katakana',
  'Hangul',
  'Bopomofo',
  'Yi',
  'Coptic',
  'Glagolitic',
  'Tifinagh',
  'Vai',
  'Lisu',
] as const;
const PATTERNS = SCRIPTS.map((name) => [name, new RegExp(`\\p{Script=${name}}`, 'u')] as const);
/** Characters every script uses (digits, punctuation) or that take their neighbour's (combining marks). */
const SHARED = /[\p{Script=Common}\p{Script=Inherited}]/u;
const PURE_LATIN = /^[\p{Script=Latin}\p{Script=Common}\p{Script=Inherited}]*$/u;

/** Mixes the highly restrictive profile allows on top of a single script. */
const ALLOWED_MIXES: readonly (readonly string[])[] = [
  ['Latin', 'Han', 'Hiragana', 'Katakana'],
  ['Latin', 'Han', 'Hangul'],
  ['Latin', 'Han', 'Bopomofo'],
];

/** The scripts of a text's letters, in order of first use ("another script" for those not in SCRIPTS). */
export function scriptsOf(text: string): string[] {
  const found: string[] = [];
  for (const ch of text) {
    if (SHARED.test(ch)) continue;
    const script = PATTERNS.find(([, re]) => re.test(ch))?.[0] ?? 'another script';
    if (!found.includes(script)) found.push(script);
  }
  return found;
}

/** Null when the text keeps to one script (or an allowed CJK mix); else the scripts it mixes. */
export function mixedScripts(text: string): string[] | null {
  if (PURE_LATIN.test(text)) return null; // most names: one quick test
  const scripts = scriptsOf(text);
  if (scripts.length <= 1 || ALLOWED_MIXES.some((mix) => scripts.every((s) => mix.includes(s)))) return null;
  return scripts;
}

/** Why a new name is refused for mixing scripts, for people; null when it does not. */
export function mixedScriptMessage(label: string, text: string): string | null {
  const scripts = mixedScripts(text);
  if (!scripts) return null;
  const names = scripts.map((x) => x.replace(/_/g, ' '));
  return `${label} mixes ${names.slice(0, -1).join(', ')} and ${names[names.length - 1]} letters (a name that does is made to look like another); write it in one script`;
}
