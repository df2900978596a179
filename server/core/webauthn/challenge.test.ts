import { describe, expect, it } from 'vitest';
import { CHALLENGE_BYTES, CHALLENGE_TTL_MS, checkChallenge, newChallenge, type ChallengeBinding, type StoredChallenge } from './challenge';
import { decodeBase64Url } from './clientData';

const binding: ChallengeBinding = { purpose: 'authenticate', rpId: 'example.com', apiKeyId: 'key-1', operatorId: null, userId: 'user-1' };
const row = (over: Partial<StoredChallenge> = {}): StoredChallenge => ({ ...binding, challenge: 'c', expiresAt: 1_000 + CHALLENGE_TTL_MS, ...over });

describe('newChallenge', () => {
  it('is 32 random bytes, base64url', () => {
    const c = newChallenge((n) => new Uint8Array(n).fill(7));
    expect(decodeBase64Url(c)).toEqual(new Uint8Array(CHALLENGE_BYTES).fill(7));
    expect(CHALLENGE_BYTES).toBeGreaterThanOrEqual(16);
  });
  it('refuses a short random source', () => {
    expect(() => newChallenge(() => new Uint8Array(4))).toThrow();
  });
});

describe('checkChallenge', () => {
  it('accepts the challenge issued for this ceremony until it expires', () => {
    expect(checkChallenge(row(), binding, 1_000)).toMatchObject({ ok: true });
    expect(checkChallenge(row(), binding, 1_000 + CHALLENGE_TTL_MS - 1)).toMatchObject({ ok: true });
  });
  it('an expired challenge is refused and spent', () => {
    expect(checkChallenge(row(), binding, 1_000 + CHALLENGE_TTL_MS)).toEqual({ ok: false, reason: 'challenge_expired', consume: true });
  });
  it('a missing (never issued or already used) challenge is unknown', () => {
    expect(checkChallenge(undefined, binding, 0)).toEqual({ ok: false, reason: 'challenge_unknown_or_used', consume: false });
  });
  it.each([
    ['another purpose', { purpose: 'register' as const }],
    ['another RP', { rpId: 'evil.example' }],
    ['another application', { apiKeyId: 'key-2' }],
    ['an operator', { apiKeyId: null, operatorId: 'op-1' }],
    ['another user', { userId: 'user-2' }],
  ])('a challenge issued for %s counts as unknown and is left alone', (_, over) => {
    expect(checkChallenge(row(over), binding, 1_000)).toEqual({ ok: false, reason: 'challenge_unknown_or_used', consume: false });
  });
  it('without a named user (passkey sign-in), a challenge for any user of the same application fits', () => {
    expect(checkChallenge(row({ userId: null }), { ...binding, userId: null }, 1_000)).toMatchObject({ ok: true });
    expect(checkChallenge(row({ userId: 'user-1' }), { ...binding, userId: null }, 1_000)).toMatchObject({ ok: true });
  });
});
