/** TOTP helpers for the bench side (the "authenticator app"): codes from the one test OTP helper. */
import { codeForStep as stepCode } from '../../server/testing/otp.js';

export const TOTP_PERIOD_S = 30;

export function currentStep(nowMs = Date.now()): number {
  return Math.floor(nowMs / 1000 / TOTP_PERIOD_S);
}

/** The 6-digit code of a base32 secret for a given 30 s step. */
export function codeForStep(secret: string, step: number): string {
  return stepCode(secret, step);
}

/** Resolve once the wall clock has reached `step` (plus a small margin). */
export async function waitForStep(step: number, marginMs = 250): Promise<number> {
  const target = step * TOTP_PERIOD_S * 1000 + marginMs;
  const waitMs = Math.max(0, target - Date.now());
  if (waitMs > 0) await new Promise((r) => setTimeout(r, waitMs));
  return waitMs;
}
