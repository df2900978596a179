import { DEFAULT_SETTINGS } from '../../../shared/schemas/settings';
import { verifyTotp } from '../../core/otp/totp';
import { otpParamsOf } from '../otpFactor';
import type { CodePeek, MethodModule } from './method';
import { describeOtp, insertPendingOtp, type NewPendingOtpFactor, type OtpEnrollInput } from './otp';
import type { ServiceContext } from '../context';
import type { FactorRow, UserRow } from '../../store/index';

/**
 * TOTP (RFC 6238): an authenticator app's codes, one per time step. A step
 * is accepted at most once per factor: the store's conditional UPDATE of
 * last_step decides, inside the verify transaction.
 */
/** The code against the factor's seed within the window; a step at or below the last one taken is a replay. Writes nothing. */
function peek(ctx: ServiceContext, factor: FactorRow, digits: string, now: number): CodePeek {
  const params = otpParamsOf(ctx.keyring, factor);
  const r = verifyTotp(params, digits, { epochSeconds: Math.floor(now / 1000), window: ctx.settings.get().totpWindow, lastStep: factor.last_step });
  if (r.ok) return { kind: 'match', state: { last_step: r.step, counter: factor.counter } };
  return { kind: r.reason === 'replay' ? 'replay' : 'no' };
}

export const totp = {
  method: 'totp',
  factorType: 'totp',
  settings: { toggle: 'totp', enabledByDefault: DEFAULT_SETTINGS.methods.totp },
  enroll: (ctx: ServiceContext, user: UserRow, input: OtpEnrollInput<'totp'>, now: number): NewPendingOtpFactor => insertPendingOtp(ctx, user, input, now),
  confirm(ctx, factor, digits, now) {
    const r = verifyTotp(otpParamsOf(ctx.keyring, factor), digits, {
      epochSeconds: Math.floor(now / 1000),
      window: ctx.settings.get().totpWindow,
      lastStep: 0,
    });
    return r.ok ? { last_step: r.step, counter: 0 } : null;
  },
  verify: {
    kind: 'factor',
    firstCodeActivates: true,
    peek,
    match(ctx, factor, digits, now) {
      const r = peek(ctx, factor, digits, now);
      if (r.kind !== 'match') return r.kind;
      return ctx.store.factors.advanceStep(factor.id, r.state.last_step, now) ? 'accepted' : 'replay';
    },
  },
  describe: describeOtp,
  extras: null,
} as const satisfies MethodModule;
