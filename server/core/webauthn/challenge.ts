/**
 * WebAuthn challenges: random, single use, short-lived, and bound to the
 * ceremony they were issued for. Pure decisions over a stored row; the store
 * consumes the row (once) in the caller's transaction.
 */
import { takeRandomBytes, type RandomBytes } from '../random';
import { encodeBase64Url } from './clientData';

/** How long a challenge stays valid: 5 minutes. */
export const CHALLENGE_TTL_MS = 5 * 60_000;

/** 32 random bytes (WebAuthn asks for at least 16). */
export const CHALLENGE_BYTES = 32;

export type CeremonyPurpose = 'register' | 'authenticate';

/** What a challenge was issued for. Exactly one of apiKeyId / operatorId is set. */
export interface ChallengeBinding {
  purpose: CeremonyPurpose;
  rpId: string;
  apiKeyId: string | null;
  operatorId: string | null;
  /** The user the ceremony is for, when it names one (registration always; sign-in with a username). */
  userId: string | null;
}

export interface StoredChallenge extends ChallengeBinding {
  challenge: string;
  expiresAt: number;
}

export function newChallenge(randomBytes: RandomBytes): string {
  return encodeBase64Url(takeRandomBytes(randomBytes, CHALLENGE_BYTES));
}

export type ChallengeDecision =
  | { ok: true; challenge: StoredChallenge }
  /** `consume`: remove the row anyway (an expired challenge is spent; a foreign one is left alone). */
  | { ok: false; reason: 'challenge_unknown_or_used' | 'challenge_expired'; consume: boolean };

/**
 * Whether a stored challenge (looked up by the value the client signed) may
 * be used for the ceremony at hand. A challenge of another application,
 * operator, purpose, RP or user counts as unknown: it was not issued for this.
 * `expected.userId` null means "any user" (sign-in without a username).
 */
export function checkChallenge(row: StoredChallenge | undefined, expected: ChallengeBinding, nowMs: number): ChallengeDecision {
  if (!row) return { ok: false, reason: 'challenge_unknown_or_used', consume: false };
  const sameOwner =
    row.purpose === expected.purpose &&
    row.rpId === expected.rpId &&
    row.apiKeyId === expected.apiKeyId &&
    row.operatorId === expected.operatorId &&
    (expected.userId === null || row.userId === expected.userId);
  if (!sameOwner) return { ok: false, reason: 'challenge_unknown_or_used', consume: false };
  if (row.expiresAt <= nowMs) return { ok: false, reason: 'challenge_expired', consume: true };
  return { ok: true, challenge: row };
}
