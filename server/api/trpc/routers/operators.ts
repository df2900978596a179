import { CreateOperatorInput, UpdateOperatorInput } from '../../../../shared/schemas/operators';
import { operatorAccounts } from '../../../services/index';
import { adminProcedure, auditProcedure, router } from '../init';

export const operatorsRouter = router({
  list: auditProcedure.query(({ ctx }) => operatorAccounts.listOperators(ctx.services)),
  create: adminProcedure.input(CreateOperatorInput).mutation(({ ctx, input }) => operatorAccounts.createOperator(ctx.services, input, ctx.actor)),
  update: adminProcedure.input(UpdateOperatorInput).mutation(({ ctx, input }) => operatorAccounts.updateOperator(ctx.services, input, ctx.actor)),
});
