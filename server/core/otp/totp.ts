import { generateSync, verifySync } from 'otplib';
import { TesseraError } from '../../../shared/errors';
import { callOtplib, isCodeShape, OTP_CRYPTO, otplibAlgorithm, requireNonNegativeInteger } from './otplibAdapter';
import type { TotpParams } from './types';

export type TotpVerifyResult = { ok: true; step: number; delta: number } | { ok: false; reason: 'invalid' | 'replay' };

export interface TotpVerifyOptions {
  /** Unix time in seconds (otplib 13 counts in seconds). */
  epochSeconds: number;
  /** Steps accepted either side of the current one. Default 1 (RFC 6238 §5.2). */
  window?: number;
  /** Last accepted step for this factor; default 0 = none yet. Steps ≤ it are replays. */
  lastStep?: number;
}

/** Ceiling on the window: beyond a few steps a guess gets cheaper for nothing. */
export const TOTP_MAX_WINDOW = 10;

export function totpStep(epochSeconds: number, period: number): number {
  return Math.floor(epochSeconds / period);
}

export function generateTotp(p: TotpParams, epochSeconds: number): string {
  checkEpoch(epochSeconds);
  return callOtplib(() =>
    generateSync({
      strategy: 'totp',
      crypto: OTP_CRYPTO,
      secret: p.secret,
      algorithm: otplibAlgorithm(p.algorithm),
      digits: p.digits,
      period: p.period,
      epoch: epochSeconds,
    }),
  );
}

/**
 * Accepts the code at most once per step. A code that matches only a step
 * ≤ lastStep is reported as 'replay' so the audit log can tell a stolen or
 * re-sent code from a wrong one. The caller must still persist the returned
 * step atomically (UPDATE … WHERE last_step < ?): this function only decides.
 */
export function verifyTotp(p: TotpParams, code: string, opts: TotpVerifyOptions): TotpVerifyResult {
  const window = opts.window ?? 1;
  const lastStep = opts.lastStep ?? 0;
  checkEpoch(opts.epochSeconds);
  if (!Number.isSafeInteger(window) || window < 0 || window > TOTP_MAX_WINDOW) {
    throw new TesseraError('internal', `The TOTP window must be an integer from 0 to ${TOTP_MAX_WINDOW}`);
  }
  requireNonNegativeInteger(lastStep, 'lastStep');

  // Never throw on user input: a wrong shape is simply a wrong code.
  if (!isCodeShape(code, p.digits)) return { ok: false, reason: 'invalid' };

  const base = {
    strategy: 'totp' as const,
    crypto: OTP_CRYPTO,
    secret: p.secret,
    algorithm: otplibAlgorithm(p.algorithm),
    digits: p.digits,
    period: p.period,
    epoch: opts.epochSeconds,
    token: code,
    epochTolerance: window * p.period,
  };
  const maxStep = totpStep(opts.epochSeconds, p.period) + window;

  // First pass: only steps after lastStep. otplib throws if afterTimeStep lies
  // beyond the window, and then no step can be fresh anyway.
  if (lastStep < maxStep) {
    const fresh = callOtplib(() => verifySync({ ...base, ...(lastStep > 0 ? { afterTimeStep: lastStep } : {}) }));
    if (fresh.valid && 'timeStep' in fresh) return { ok: true, step: fresh.timeStep, delta: fresh.delta };
  }
  // Second pass only to label the failure; a match now can only be a used step.
  if (lastStep > 0) {
    const any = callOtplib(() => verifySync(base));
    if (any.valid) return { ok: false, reason: 'replay' };
  }
  return { ok: false, reason: 'invalid' };
}

function checkEpoch(epochSeconds: number): void {
  if (!Number.isFinite(epochSeconds) || epochSeconds < 0) {
    throw new TesseraError('internal', 'The clock value must be a non-negative number of seconds');
  }
}
