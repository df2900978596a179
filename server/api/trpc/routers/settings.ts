import { z } from 'zod';
import { SettingsPatch } from '../../../../shared/schemas/settings';
import { SmsGatewayConfigInput, SmtpConfigInput, TestEmailInput, TestSmsInput } from '../../../../shared/schemas/delivery';
import { delivery, updateSettings } from '../../../services/index';
import { methodUsage } from '../../../services/dashboard';
import { adminProcedure, auditProcedure, readUsersProcedure, router } from '../init';

export const settingsRouter = router({
  get: auditProcedure.query(({ ctx }) => ctx.services.settings.get()),
  /** What the user page's dialogs follow, for every operator (helpdesk cannot read the whole settings): methods on, names, limits. */
  userPageOptions: readUsersProcedure.input(z.void()).query(({ ctx }) => {
    const s = ctx.services.settings.get();
    return { methods: s.methods, methodNames: s.methodNames, temporaryCodeMaxHours: s.temporaryCodeMaxHours, rememberDevices: s.rememberDevices };
  }),
  update: adminProcedure.input(SettingsPatch).mutation(({ ctx, input }) => updateSettings(ctx.services, input, ctx.actor)),
  /** For each method: whether it is on and how many users rely on it (what turning it off affects). */
  methodUsage: auditProcedure.input(z.void()).query(({ ctx }) => methodUsage(ctx.services)),
  /** The SMTP server and SMS gateway (never their password or token: only whether one is stored). */
  delivery: auditProcedure.input(z.void()).query(({ ctx }) => ({ email: delivery.smtpView(ctx.services), sms: delivery.smsView(ctx.services) })),
  setSmtp: adminProcedure.input(SmtpConfigInput).mutation(({ ctx, input }) => delivery.setSmtpTransport(ctx.services, input, ctx.actor)),
  setSms: adminProcedure.input(SmsGatewayConfigInput).mutation(({ ctx, input }) => delivery.setSmsTransport(ctx.services, input, ctx.actor)),
  /** "Send a test message": what the server answered, success or not. */
  testEmail: adminProcedure.input(TestEmailInput).mutation(({ ctx, input }) => delivery.sendTestMessage(ctx.services, 'email', input.to, ctx.actor)),
  testSms: adminProcedure.input(TestSmsInput).mutation(({ ctx, input }) => delivery.sendTestMessage(ctx.services, 'sms', input.to, ctx.actor)),
});
