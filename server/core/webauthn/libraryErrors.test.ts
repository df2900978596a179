import { describe, expect, it } from 'vitest';
import { reasonForLibraryError } from './libraryErrors';

describe('reasonForLibraryError', () => {
  // Messages as @simplewebauthn/server 14 words them.
  it.each([
    ['Unexpected RP ID hash', 'rp_id_mismatch'],
    ['User verification required, but user could not be verified', 'user_verification_required'],
    ['User verification was required, but user could not be verified', 'user_verification_required'],
    ['User not present during authentication', 'user_presence_required'],
    ['User presence was required, but user was not present', 'user_presence_required'],
    ['Unexpected authentication response origin "http://evil.test", expected one of: http://localhost:1', 'origin_mismatch'],
    ['Unexpected cross-origin authentication response top origin of "x", expected one of: y', 'origin_mismatch'],
    ['Unexpected authentication response challenge "a", expected "b"', 'challenge_unknown_or_used'],
    ['Unexpected authentication response type: webauthn.create', 'type_mismatch'],
    ['Unexpected credential type foo, expected "public-key"', 'type_mismatch'],
    ['Unexpected public key alg "-7", expected one of "-8"', 'algorithm_not_allowed'],
    ['Response counter value 1 was lower than expected 2', 'counter_regression'],
    ['Credential ID was not base64url-encoded', 'malformed_response'],
    ['something else entirely', 'malformed_response'],
  ])('%s → %s', (message, reason) => {
    expect(reasonForLibraryError(new Error(message))).toBe(reason);
  });
  it('a non-Error is malformed', () => {
    expect(reasonForLibraryError('boom')).toBe('malformed_response');
  });
});
