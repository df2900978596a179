import { TesseraError } from '../../../shared/errors';
import type { Reauth } from '../../../shared/schemas/webauthn';
import { verifyTotp } from '../../core/otp/totp';
import type { OperatorRow } from '../../store/index';
import { operatorActor, type ServiceContext } from '../context';
import { checkPassword, countOperatorFailure, operatorAad, requireUnthrottled, throttleOf, tooManyAtOnce } from './gates';
import type { RequestMeta } from './state';

/**
 * Re-authentication before a signed-in operator changes their own factors
 * (ASVS 5 7.5.1): their current password, or a fresh code from their
 * authenticator. A wrong answer counts toward their sign-in throttle and is
 * audited ('operator.reauth'). On success returns `commit`, to run inside
 * the caller's transaction: it spends the TOTP step (false: already used).
 */
export async function reauthenticate(ctx: ServiceContext, operatorId: string, reauth: Reauth, meta: RequestMeta): Promise<{ commit: () => boolean }> {
  const signedIn = (): OperatorRow => {
    const row = ctx.store.operators.findById(operatorId);
    if (!row || row.status !== 'active') throw new TesseraError('unauthorized', 'Sign in to continue');
    return row;
  };
  // The same single flight as sign-in for this operator's name: one password check at a time, whichever door it comes through.
  const release = await ctx.operatorSignIn.inFlight.acquire(signedIn().username_key);
  if (!release) throw tooManyAtOnce();
  try {
    const op = signedIn();
    requireUnthrottled(ctx, throttleOf(op), 'attempts');
    let ok = false;
    let step: number | null = null;
    if ('password' in reauth) {
      ok = await checkPassword(reauth.password, op.password_hash);
    } else if (op.totp_sealed) {
      const secret = ctx.keyring.open(op.totp_sealed, op.totp_key_version!, operatorAad(op.id));
      const r = verifyTotp({ secret, algorithm: 'SHA1', digits: 6, period: 30 }, reauth.code, {
        epochSeconds: Math.floor(ctx.clock() / 1000),
        window: 1,
        lastStep: op.totp_last_step,
      });
      if (r.ok) {
        ok = true;
        step = r.step;
      }
    }
    if (!ok) {
      ctx.store.tx(() => {
        countOperatorFailure(ctx, op.id);
        ctx.audit.append({
          actor: operatorActor(op, meta.ip),
          action: 'operator.reauth',
          outcome: 'failure',
          reason: 'password' in reauth ? 'wrong_password' : 'wrong_code',
          details: { operatorId: op.id },
        });
      });
      throw new TesseraError('invalid_code', 'That is not your current password or a current code from your authenticator app');
    }
    return { commit: () => step === null || ctx.store.operators.advanceTotpStep(op.id, step) };
  } finally {
    release();
  }
}
