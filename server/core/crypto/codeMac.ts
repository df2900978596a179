import { createHmac, hkdfSync, timingSafeEqual } from 'node:crypto';

/**
 * Short codes Tessera hands out (sent codes, the helpdesk's temporary code)
 * are kept only as an HMAC under a key derived from a data key, which only
 * the master key opens. A plain hash of a 6-digit code falls to a million
 * guesses; this one cannot be computed from the database alone, and the
 * code itself is never written anywhere.
 */
export function deriveCodeMacKey(dataKey: Uint8Array, label: string): Buffer {
  return Buffer.from(hkdfSync('sha256', dataKey, Buffer.alloc(0), `tessera:code-mac:${label}`, 32));
}

/** The MAC of `code` bound to the row it belongs to (`bindTo`: a transaction id), so a MAC copied to another row matches nothing. */
export function codeMac(key: Uint8Array, bindTo: string, code: string): Buffer {
  return createHmac('sha256', key).update(bindTo).update('\u0000').update(code).digest();
}

/** Constant-time comparison of a presented code against a stored MAC. */
export function codeMatches(key: Uint8Array, bindTo: string, code: string, stored: Uint8Array): boolean {
  const mac = codeMac(key, bindTo, code);
  return stored.length === mac.length && timingSafeEqual(mac, stored);
}
