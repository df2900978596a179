import { z } from 'zod';
import { TesseraError } from '../../../../shared/errors';
import { CodeStepInput, LoginInput, SetupInput, Ticket, TicketInput } from '../../../../shared/schemas/operators';
import { AuthenticationResponse } from '../../../../shared/schemas/webauthn';
import { toOperatorView } from '../../../services/operatorAccounts';
import { operatorAuth, webauthn } from '../../../services/index';
import { anyOperatorProcedure, passwordChangeProcedure, publicProcedure, router } from '../init';
import type { TrpcContext } from '../context';

const meta = (ctx: TrpcContext) => ({ ip: ctx.ip, userAgent: ctx.userAgent });

function sessionTimesOrEnded(ctx: TrpcContext & { session: { id: string } }, extend: boolean) {
  const times = operatorAuth.sessionTimes(ctx.services, ctx.session.id, { extend });
  if (!times) throw new TesseraError('unauthorized', 'Your session has ended: sign in again');
  return times;
}

export const authRouter = router({
  /** Who is signed in (null when nobody): the console's first call. */
  me: publicProcedure.query(({ ctx }) => (ctx.session ? { operator: toOperatorView(ctx.session.operator) } : null)),

  /** First run: create the first admin from the one-time setup link. */
  setup: publicProcedure.input(SetupInput).mutation(({ ctx, input }) => operatorAuth.beginSetup(ctx.services, input, meta(ctx))),

  login: publicProcedure.input(LoginInput).mutation(({ ctx, input }) => {
    if (ctx.session) throw new TesseraError('conflict', 'You are already signed in');
    return operatorAuth.login(ctx.services, input, meta(ctx));
  }),

  completeLogin: publicProcedure.input(CodeStepInput).mutation(({ ctx, input }) => {
    const s = operatorAuth.completeLogin(ctx.services, input, meta(ctx));
    ctx.setSession(s.sessionId);
    return { operator: s.operator };
  }),

  completeEnrollment: publicProcedure.input(CodeStepInput).mutation(({ ctx, input }) => {
    const s = operatorAuth.completeEnrollment(ctx.services, input, meta(ctx));
    ctx.setSession(s.sessionId);
    return { operator: s.operator };
  }),

  /** Step two with a security key instead of the code: options for navigator.credentials.get. */
  webauthnOptions: publicProcedure
    .input(TicketInput)
    .mutation(({ ctx, input }) =>
      operatorAuth.webauthnLoginOptions(ctx.services, input.ticket, webauthn.consoleRelyingParty(ctx.services, ctx.origin), meta(ctx)),
    ),

  completeWebauthnLogin: publicProcedure.input(z.object({ ticket: Ticket, response: AuthenticationResponse }).strict()).mutation(async ({ ctx, input }) => {
    const s = await operatorAuth.completeWebauthnLogin(ctx.services, input, webauthn.consoleRelyingParty(ctx.services, ctx.origin), meta(ctx));
    ctx.setSession(s.sessionId);
    return { operator: s.operator };
  }),

  /** How long this session has left (the idle warning). Itself a request, so it restarts the idle clock as any call does. */
  session: anyOperatorProcedure.input(z.void()).query(({ ctx }) => sessionTimesOrEnded(ctx, false)),

  /** "Stay signed in": the idle clock starts again now; answers the new remaining times. */
  staySignedIn: anyOperatorProcedure.input(z.void()).mutation(({ ctx }) => sessionTimesOrEnded(ctx, true)),

  // Also while a forced password change is pending: signing out is always possible.
  logout: passwordChangeProcedure.input(z.void()).mutation(({ ctx }) => {
    operatorAuth.logout(ctx.services, ctx.session.id, ctx.ip);
    ctx.setSession(null);
    return { ok: true as const };
  }),
});
