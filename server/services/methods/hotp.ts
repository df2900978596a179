import { DEFAULT_SETTINGS } from '../../../shared/schemas/settings';
import { resyncHotp, verifyHotp } from '../../core/otp/hotp';
import type { FactorRow, UserRow } from '../../store/index';
import type { ServiceContext } from '../context';
import { otpParamsOf } from '../otpFactor';
import type { CodePeek, MethodModule } from './method';
import { describeOtp, insertPendingOtp, type NewPendingOtpFactor, type OtpEnrollInput } from './otp';

/**
 * HOTP (RFC 4226): a hardware token's codes, one per button press. The
 * counter only moves forward (a conditional UPDATE in the verify
 * transaction); a token pressed many times unseen is resynchronised with
 * two consecutive codes.
 */
/**
 * The code against counter … counter+10 (the counter only moves forward). A code equal to the one just before the
 * counter is the last accepted one typed again: a replay, not a wrong code. Writes nothing.
 */
function peek(ctx: ServiceContext, factor: FactorRow, digits: string): CodePeek {
  const params = otpParamsOf(ctx.keyring, factor);
  const r = verifyHotp(params, digits, { counter: factor.counter });
  if (r.ok) return { kind: 'match', state: { last_step: factor.last_step, counter: r.nextCounter } };
  const last = factor.counter > 0 ? verifyHotp(params, digits, { counter: factor.counter - 1, lookAhead: 0 }) : { ok: false };
  return { kind: last.ok ? 'replay' : 'no' };
}

export const hotp = {
  method: 'hotp',
  factorType: 'hotp',
  settings: { toggle: 'hotp', enabledByDefault: DEFAULT_SETTINGS.methods.hotp },
  enroll: (ctx: ServiceContext, user: UserRow, input: OtpEnrollInput<'hotp'>, now: number): NewPendingOtpFactor => insertPendingOtp(ctx, user, input, now),
  confirm(ctx, factor, digits) {
    const r = verifyHotp(otpParamsOf(ctx.keyring, factor), digits, { counter: 0 });
    return r.ok ? { last_step: 0, counter: r.nextCounter } : null;
  },
  verify: {
    kind: 'factor',
    firstCodeActivates: true,
    peek,
    match(ctx, factor, digits, now) {
      const r = peek(ctx, factor, digits);
      if (r.kind !== 'match') return r.kind;
      return ctx.store.factors.advanceCounter(factor.id, r.state.counter, now) ? 'accepted' : 'replay';
    },
  },
  describe: describeOtp,
  extras: null,
} as const satisfies MethodModule;

/**
 * RFC 4226 §7.4: two consecutive codes move the counter past a long gap.
 * Inside the caller's transaction; the new counter, or null when the codes
 * are not consecutive codes of this token (or another verify moved it meanwhile).
 */
export function resyncHotpCounter(ctx: ServiceContext, factor: FactorRow, code1: string, code2: string, now: number): number | null {
  const r = resyncHotp(otpParamsOf(ctx.keyring, factor), code1, code2, { counter: factor.counter });
  if (!r.ok || !ctx.store.factors.advanceCounter(factor.id, r.nextCounter, now)) return null;
  return r.nextCounter;
}
