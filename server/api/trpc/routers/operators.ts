import { CreateOperatorInput, UpdateOperatorInput } from '../../../../shared/schemas/operators';
import { operatorAdmin } from '../../../services/index';
import { adminProcedure, auditProcedure, router } from '../init';

export const operatorsRouter = router({
  list: auditProcedure.query(({ ctx }) => operatorAdmin.listOperators(ctx.services)),
  create: adminProcedure.input(CreateOperatorInput).mutation(({ ctx, input }) => operatorAdmin.createOperator(ctx.services, input, ctx.actor)),
  update: adminProcedure.input(UpdateOperatorInput).mutation(({ ctx, input }) => operatorAdmin.updateOperator(ctx.services, input, ctx.actor)),
});
