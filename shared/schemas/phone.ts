import { type CountryCode, ParseError, parsePhoneNumberWithError, validatePhoneNumberLength } from 'libphonenumber-js/max';
import { z } from 'zod';

/**
 * Phone numbers, stored and sent as E.164 (+441234567812). The 'max'
 * metadata checks a number against each country's real number patterns (the
 * default 'min' set checks only its length, so it takes numbers no phone
 * can have); at about 157 KB of JSON against 83 KB it is worth it here.
 * Landlines are accepted: whether an SMS can reach one is the gateway's call.
 */

export type { CountryCode };

export type PhoneParse = { ok: true; e164: string } | { ok: false; message: string };

const MAX_INPUT = 32;
const EXAMPLE = '+44 20 7946 0958';
/** What people type around digits: spaces, dashes, dots, brackets, slashes and the leading +. */
const ALLOWED = /^\+?[\d\s\-.()/]+$/;

const regionNames = new Intl.DisplayNames(['en'], { type: 'region' });

function countryName(country: CountryCode): string {
  try {
    return regionNames.of(country) ?? country;
  } catch {
    return country;
  }
}

/**
 * Parses what someone typed into an E.164 number, or says what is wrong with
 * it. Without a `defaultCountry` the number must start with + and its country
 * code; with one, a national number (07911 123456) is read in that country.
 */
export function parsePhone(input: string, defaultCountry?: CountryCode): PhoneParse {
  const text = input.normalize('NFKC').trim();
  if (text === '') return { ok: false, message: 'Phone number is required' };
  if (text.length > MAX_INPUT) return { ok: false, message: 'Phone number is too long' };
  if (!ALLOWED.test(text)) {
    if (/(ext|x|#)\s*\.?\s*\d+\s*$/i.test(text)) return { ok: false, message: 'Phone number must not have an extension: codes go by SMS to the number itself' };
    return { ok: false, message: 'Phone number may contain only digits, spaces, dashes, brackets and a leading +' };
  }
  if (!text.startsWith('+') && !defaultCountry) return { ok: false, message: `Phone number must include the country code, like ${EXAMPLE}` };
  let parsed: ReturnType<typeof parsePhoneNumberWithError>;
  try {
    parsed = parsePhoneNumberWithError(text, defaultCountry ? { defaultCountry } : undefined);
  } catch (err) {
    if (!(err instanceof ParseError)) throw err;
    switch (err.message) {
      case 'INVALID_COUNTRY':
        return { ok: false, message: `Phone number must include a valid country code, like ${EXAMPLE}` };
      case 'TOO_SHORT':
        return { ok: false, message: 'Phone number is too short' };
      case 'TOO_LONG':
        return { ok: false, message: 'Phone number is too long' };
      default:
        return { ok: false, message: `That is not a phone number: write it with its country code, like ${EXAMPLE}` };
    }
  }
  if (parsed.ext) return { ok: false, message: 'Phone number must not have an extension: codes go by SMS to the number itself' };
  if (!parsed.isValid()) {
    const length = validatePhoneNumberLength(text, defaultCountry ? { defaultCountry } : undefined);
    if (length === 'TOO_SHORT') return { ok: false, message: 'Phone number is too short' };
    if (length === 'TOO_LONG') return { ok: false, message: 'Phone number is too long' };
    const country = parsed.country ?? parsed.getPossibleCountries()[0];
    return {
      ok: false,
      message: country
        ? `That is not a valid phone number for ${countryName(country)}`
        : `That is not a valid phone number (country code +${parsed.countryCallingCode})`,
    };
  }
  return { ok: true, e164: parsed.number };
}

/** A phone number on the wire: any way people write one, out comes E.164. */
export const PhoneNumber = z
  .string({ error: (issue) => (issue.input === undefined ? 'Phone number is required' : 'Phone number must be text') })
  .transform((raw, ctx) => {
    const r = parsePhone(raw);
    if (r.ok) return r.e164;
    ctx.addIssue({ code: 'custom', message: r.message });
    return z.NEVER;
  });
export type PhoneNumber = z.infer<typeof PhoneNumber>;
