import type { DeliveryChannel } from './schemas/delivery';

/**
 * How an email address or phone number is shown wherever Tessera shows one
 * (console, REST answers, audit details): enough to recognise, not enough to
 * harvest.
 */

const DOT = '•';
const HIDDEN = DOT.repeat(3);
/** Show the last two digits only when at least three stay hidden. */
const MIN_DIGITS_TO_REVEAL = 5;

/** 'alice@example.org' → 'a•••@example.org': the first character, a fixed •••, the domain as is. */
export function maskEmail(address: string): string {
  const at = address.lastIndexOf('@');
  if (at === -1) return HIDDEN;
  const first = Array.from(address.slice(0, at))[0] ?? ''; // a code point, not half a surrogate pair
  return `${first}${HIDDEN}${address.slice(at)}`;
}

/**
 * '+441234567812' → '+•• ••• ••• ••12': a • for every digit but the last two,
 * grouped from the right (four, then threes) the way numbers are read out.
 * Short inputs are hidden whole; the '+' is kept when there is one.
 */
export function maskPhone(number: string): string {
  const digits = number.replace(/\D/g, '');
  if (digits.length === 0) return HIDDEN;
  const keep = digits.length >= MIN_DIGITS_TO_REVEAL ? 2 : 0;
  const chars = DOT.repeat(digits.length - keep) + digits.slice(digits.length - keep);
  const groups: string[] = [];
  let end = chars.length;
  for (let size = 4; end > 0; size = 3) {
    groups.unshift(chars.slice(Math.max(0, end - size), end));
    end -= size;
  }
  return `${number.trim().startsWith('+') ? '+' : ''}${groups.join(' ')}`;
}

export function maskDestination(channel: DeliveryChannel, value: string): string {
  return channel === 'email' ? maskEmail(value) : maskPhone(value);
}
