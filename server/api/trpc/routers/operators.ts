import { CreateOperatorInput, ResetOperatorPasswordInput, UpdateOperatorInput } from '../../../../shared/schemas/operators';
import { operatorAccounts, operatorAuth } from '../../../services/index';
import { adminProcedure, auditProcedure, router } from '../init';

export const operatorsRouter = router({
  list: auditProcedure.query(({ ctx }) => operatorAccounts.listOperators(ctx.services)),
  create: adminProcedure.input(CreateOperatorInput).mutation(({ ctx, input }) => operatorAccounts.createOperator(ctx.services, input, ctx.actor)),
  update: adminProcedure.input(UpdateOperatorInput).mutation(({ ctx, input }) => operatorAccounts.updateOperator(ctx.services, input, ctx.actor)),
  /** A temporary password for another operator (typed, or generated and answered once); the admin re-authenticates in the same call. */
  resetPassword: adminProcedure
    .input(ResetOperatorPasswordInput)
    .mutation(({ ctx, input }) =>
      operatorAuth.resetOperatorPassword(ctx.services, ctx.session.operator, input, { ip: ctx.ip, userAgent: ctx.userAgent }, ctx.actor),
    ),
});
