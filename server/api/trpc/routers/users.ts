import { z } from 'zod';
import { CreateUserInput, ListUsersInput, UpdateUserInput } from '../../../../shared/schemas/users';
import { BulkUsersInput } from '../../../../shared/schemas/userBulk';
import { IssueTemporaryCodeInput } from '../../../../shared/schemas/temporaryCodes';
import { EnrollDeliveredInput, EnrollFactorInput, HotpResyncInput, RenameFactorInput } from '../../../../shared/schemas/factors';
import { Id, Reason, Username } from '../../../../shared/schemas/text';
import { challenge, factors, recoveryCodes, rememberedDevices, temporaryCodes, users } from '../../../services/index';
import { bulkUsers } from '../../../services/userBulk';
import { userCounts } from '../../../services/dashboard';
import { adminProcedure, helpdeskProcedure, readUsersProcedure, router } from '../init';

const UserRef = z.object({ username: Username }).strict();
const UserReason = z.object({ username: Username, reason: Reason }).strict();
const FactorRef = z.object({ username: Username, factorId: Id });

export const usersRouter = router({
  list: readUsersProcedure.input(ListUsersInput).query(({ ctx, input }) => users.listUsersInTurn(ctx.services, input)),
  /** Totals for the users list (the dashboard, with its charts, is for admins and auditors). */
  count: readUsersProcedure.input(z.void()).query(({ ctx }) => userCounts(ctx.services)),
  get: readUsersProcedure.input(UserRef).query(({ ctx, input }) => users.getUser(ctx.services, input.username)),
  create: adminProcedure.input(CreateUserInput).mutation(({ ctx, input }) => users.createUser(ctx.services, input, ctx.actor)),
  /** Display name, email and phone (helpdesk corrects a number; factors keep theirs). */
  update: helpdeskProcedure
    .input(z.object({ username: Username, changes: UpdateUserInput }).strict())
    .mutation(({ ctx, input }) => users.updateUser(ctx.services, input.username, input.changes, ctx.actor)),
  delete: adminProcedure.input(UserReason).mutation(({ ctx, input }) => {
    users.deleteUser(ctx.services, input.username, input.reason, ctx.actor);
    return { ok: true as const };
  }),
  unlock: helpdeskProcedure.input(UserReason).mutation(({ ctx, input }) => users.unlockUser(ctx.services, input.username, input.reason, ctx.actor)),
  /** A selection from the users list (issue 18): one transaction, an audit entry per user and one summary. */
  bulkDisable: adminProcedure.input(BulkUsersInput).mutation(({ ctx, input }) => bulkUsers(ctx.services, 'disable', input, ctx.actor)),
  bulkEnable: adminProcedure.input(BulkUsersInput).mutation(({ ctx, input }) => bulkUsers(ctx.services, 'enable', input, ctx.actor)),
  /** Lost devices for a selection: what `reset` does, for each user. */
  bulkReset: helpdeskProcedure.input(BulkUsersInput).mutation(({ ctx, input }) => bulkUsers(ctx.services, 'reset', input, ctx.actor)),
  /** Lost device: every factor and recovery code, with the reason recorded. */
  reset: helpdeskProcedure.input(UserReason).mutation(({ ctx, input }) => factors.resetUser(ctx.services, input.username, input.reason, ctx.actor)),
  enrollOtp: helpdeskProcedure
    .input(z.object({ username: Username, factor: EnrollFactorInput }).strict())
    .mutation(({ ctx, input }) => factors.enrollOtpFactor(ctx.services, input.username, input.factor, ctx.actor)),
  /** An email or SMS factor: pending until the code sent to it is typed back (confirmFactor). */
  enrollDelivered: helpdeskProcedure
    .input(z.object({ username: Username, factor: EnrollDeliveredInput }).strict())
    .mutation(({ ctx, input }) => factors.enrollDeliveredFactor(ctx.services, input.username, input.factor, ctx.actor)),
  /** Sends a pending email/SMS factor its confirmation code again (the same limits as any send). */
  resendCode: helpdeskProcedure
    .input(FactorRef.strict())
    .mutation(({ ctx, input }) => challenge(ctx.services, { user: input.username, factor: input.factorId }, ctx.actor)),
  /** Lost device: a temporary code to read out or print, shown once. */
  issueTemporaryCode: helpdeskProcedure
    .input(z.object({ username: Username, code: IssueTemporaryCodeInput }).strict())
    .mutation(({ ctx, input }) => temporaryCodes.issueTemporaryCode(ctx.services, input.username, input.code, ctx.actor)),
  revokeTemporaryCode: helpdeskProcedure.input(UserReason).mutation(({ ctx, input }) => {
    temporaryCodes.revokeTemporaryCode(ctx.services, input.username, input.reason, ctx.actor);
    return { ok: true as const };
  }),
  /** Forget one remembered device (a lost laptop): its token no longer stands in for a code. */
  revokeDevice: helpdeskProcedure.input(z.object({ username: Username, deviceId: Id, reason: Reason }).strict()).mutation(({ ctx, input }) => {
    rememberedDevices.revokeRememberedDevice(ctx.services, input.username, input.deviceId, input.reason, ctx.actor);
    return { ok: true as const };
  }),
  revokeAllDevices: helpdeskProcedure
    .input(UserReason)
    .mutation(({ ctx, input }) => ({ revoked: rememberedDevices.revokeAllRememberedDevices(ctx.services, input.username, input.reason, ctx.actor) })),
  confirmFactor: helpdeskProcedure
    .input(FactorRef.extend({ code: z.string().min(1).max(32) }).strict())
    .mutation(({ ctx, input }) => factors.confirmFactor(ctx.services, input.username, input.factorId, input.code, ctx.actor)),
  deleteFactor: helpdeskProcedure.input(FactorRef.extend({ reason: Reason }).strict()).mutation(({ ctx, input }) => {
    factors.deleteFactor(ctx.services, input.username, input.factorId, input.reason, ctx.actor);
    return { ok: true as const };
  }),
  /** Renames a factor (TOTP, HOTP, security key or passkey). */
  renameFactor: helpdeskProcedure
    .input(FactorRef.extend(RenameFactorInput.shape).strict())
    .mutation(({ ctx, input }) => factors.renameFactor(ctx.services, input.username, input.factorId, input.label, ctx.actor)),
  resyncHotp: helpdeskProcedure
    .input(FactorRef.extend(HotpResyncInput.shape).strict())
    .mutation(({ ctx, input }) => factors.resyncHotpFactor(ctx.services, input.username, input.factorId, input.code1, input.code2, ctx.actor)),
  issueRecoveryCodes: helpdeskProcedure.input(UserRef).mutation(({ ctx, input }) => recoveryCodes.issueRecoveryCodes(ctx.services, input.username, ctx.actor)),
});
