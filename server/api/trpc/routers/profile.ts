import { z } from 'zod';
import { cleanText } from '../../../../shared/schemas/text';
import { ChangePasswordInput } from '../../../../shared/schemas/operators';
import { Reauth, RegistrationResponse } from '../../../../shared/schemas/webauthn';
import { operatorAuth, webauthn } from '../../../services/index';
import { anyOperatorProcedure, passwordChangeProcedure, router } from '../init';
import type { TrpcContext } from '../context';

const meta = (ctx: TrpcContext) => ({ ip: ctx.ip, userAgent: ctx.userAgent });

/**
 * The signed-in operator's own account: their password, and security keys and passkeys for the
 * console: registering one starts with re-authentication (current password or
 * a fresh code) in the same call; removing one needs it too.
 */
export const profileRouter = router({
  /**
   * A new password: the current one re-authenticates; the operator's other
   * sessions end, this one stays. Callable while a forced change is pending
   * (it is how the operator gets out of it).
   */
  changePassword: passwordChangeProcedure
    .input(ChangePasswordInput)
    .mutation(({ ctx, input }) =>
      operatorAuth.changeOwnPassword(ctx.services, { operatorId: ctx.session.operator.id, sessionId: ctx.session.id }, input, meta(ctx)),
    ),
  webauthn: router({
    list: anyOperatorProcedure.input(z.void()).query(({ ctx }) => webauthn.listOperatorKeys(ctx.services, ctx.session.operator.id)),
    registrationOptions: anyOperatorProcedure
      .input(z.object({ reauth: Reauth }).strict())
      .mutation(({ ctx, input }) =>
        webauthn.operatorRegistrationOptions(
          ctx.services,
          ctx.session.operator,
          webauthn.consoleRelyingParty(ctx.services, ctx.origin),
          input.reauth,
          meta(ctx),
          ctx.actor,
        ),
      ),
    verifyRegistration: anyOperatorProcedure
      .input(z.object({ response: RegistrationResponse, label: cleanText(64, 'Name').optional() }).strict())
      .mutation(({ ctx, input }) =>
        webauthn.operatorVerifyRegistration(
          ctx.services,
          ctx.session.operator,
          webauthn.consoleRelyingParty(ctx.services, ctx.origin),
          input.response,
          input.label,
          ctx.actor,
        ),
      ),
    remove: anyOperatorProcedure
      .input(z.object({ id: z.string().min(1).max(64), reauth: Reauth }).strict())
      .mutation(({ ctx, input }) => webauthn.removeOperatorKey(ctx.services, ctx.session.operator, input.id, input.reauth, meta(ctx), ctx.actor)),
  }),
});
