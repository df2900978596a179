import { DEFAULT_SETTINGS } from '../../../shared/schemas/settings';
import { verifyTotp } from '../../core/otp/totp';
import { otpParamsOf } from '../otpFactor';
import type { MethodModule } from './method';
import { describeOtp, insertPendingOtp, type NewPendingOtpFactor, type OtpEnrollInput } from './otp';
import type { ServiceContext } from '../context';
import type { UserRow } from '../../store/index';

/**
 * TOTP (RFC 6238): an authenticator app's codes, one per time step. A step
 * is accepted at most once per factor: the store's conditional UPDATE of
 * last_step decides, inside the verify transaction.
 */
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
    match(ctx, factor, digits, now) {
      const params = otpParamsOf(ctx.keyring, factor);
      const r = verifyTotp(params, digits, { epochSeconds: Math.floor(now / 1000), window: ctx.settings.get().totpWindow, lastStep: factor.last_step });
      if (!r.ok) return r.reason === 'replay' ? 'replay' : 'no';
      return ctx.store.factors.advanceStep(factor.id, r.step, now) ? 'accepted' : 'replay';
    },
  },
  describe: describeOtp,
  extras: null,
} as const satisfies MethodModule;
