import { z } from 'zod';
import { AddRadiusClientInput, UpdateRadiusClientInput } from '../../../../shared/schemas/radius';
import { addRadiusClient, listRadiusClients, removeRadiusClient, updateRadiusClient } from '../../../services/radius/clients';
import { radiusStatus } from '../../../services/radius/status';
import { adminProcedure, auditProcedure, router } from '../init';

/** RADIUS clients (NAS): the secret goes in, never out; and the listener's status (address, counters, last requests). */
export const radiusRouter = router({
  list: auditProcedure.query(({ ctx }) => listRadiusClients(ctx.services)),
  status: auditProcedure.query(({ ctx }) => radiusStatus(ctx.services)),
  add: adminProcedure.input(AddRadiusClientInput).mutation(({ ctx, input }) => addRadiusClient(ctx.services, input, ctx.actor)),
  update: adminProcedure.input(UpdateRadiusClientInput).mutation(({ ctx, input }) => updateRadiusClient(ctx.services, input, ctx.actor)),
  remove: adminProcedure
    .input(z.object({ id: z.string().min(1).max(64) }).strict())
    .mutation(({ ctx, input }) => removeRadiusClient(ctx.services, input.id, ctx.actor)),
});
