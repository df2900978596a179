/**
 * The verification library reports problems as plain errors with English
 * messages. These map them onto our stable reason codes; anything not
 * recognised is a malformed response. The message itself is never shown to
 * callers (it can echo their input back).
 */
export type LibraryReason =
  | 'challenge_unknown_or_used'
  | 'origin_mismatch'
  | 'rp_id_mismatch'
  | 'type_mismatch'
  | 'user_presence_required'
  | 'user_verification_required'
  | 'algorithm_not_allowed'
  | 'counter_regression'
  | 'malformed_response';

const RULES: readonly [RegExp, LibraryReason][] = [
  [/RP ID/i, 'rp_id_mismatch'],
  [/user verification/i, 'user_verification_required'],
  [/user (not present|presence)/i, 'user_presence_required'],
  [/top origin|cross-origin|origin "/i, 'origin_mismatch'],
  [/challenge/i, 'challenge_unknown_or_used'],
  [/response type|credential type/i, 'type_mismatch'],
  [/public key alg|\balg\b|PQC/i, 'algorithm_not_allowed'],
  [/counter value/i, 'counter_regression'],
];

export function reasonForLibraryError(err: unknown): LibraryReason {
  const message = err instanceof Error ? err.message : String(err);
  for (const [re, reason] of RULES) if (re.test(message)) return reason;
  return 'malformed_response';
}
