import { z } from 'zod';
import { TesseraError } from '../../../../shared/errors';
import { CodeStepInput, LoginInput, SetupInput } from '../../../../shared/schemas/operators';
import { toOperatorView } from '../../../services/operatorAuth';
import { anyOperatorProcedure, publicProcedure, router } from '../init';
import type { TrpcContext } from '../context';

const meta = (ctx: TrpcContext) => ({ ip: ctx.ip, userAgent: ctx.userAgent });

export const authRouter = router({
  /** Who is signed in (null when nobody): the console's first call. */
  me: publicProcedure.query(({ ctx }) => (ctx.session ? { operator: toOperatorView(ctx.session.operator) } : null)),

  /** First run: create the first admin from the one-time setup link. */
  setup: publicProcedure.input(SetupInput).mutation(({ ctx, input }) => ctx.services.operatorAuth.beginSetup(input, meta(ctx))),

  login: publicProcedure.input(LoginInput).mutation(({ ctx, input }) => {
    if (ctx.session) throw new TesseraError('conflict', 'You are already signed in');
    return ctx.services.operatorAuth.login(input, meta(ctx));
  }),

  completeLogin: publicProcedure.input(CodeStepInput).mutation(({ ctx, input }) => {
    const s = ctx.services.operatorAuth.completeLogin(input, meta(ctx));
    ctx.setSession(s.sessionId);
    return { operator: s.operator };
  }),

  completeEnrollment: publicProcedure.input(CodeStepInput).mutation(({ ctx, input }) => {
    const s = ctx.services.operatorAuth.completeEnrollment(input, meta(ctx));
    ctx.setSession(s.sessionId);
    return { operator: s.operator };
  }),

  logout: anyOperatorProcedure.input(z.void()).mutation(({ ctx }) => {
    ctx.services.operatorAuth.logout(ctx.session.id, ctx.ip);
    ctx.setSession(null);
    return { ok: true as const };
  }),
});
