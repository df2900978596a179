/**
 * The texts of the messages Tessera sends. The code never goes in an email
 * subject (subjects show on lock screens and in mail lists); an SMS starts
 * with it so phones can offer to fill it in.
 */

export type CodePurpose = 'sign-in' | 'confirm' | 'test';

export interface EmailText {
  subject: string;
  text: string;
  html: string;
}

/** An SMS of at most 160 characters stays one message. */
export const SMS_MAX = 160;

/** Issuer names come from settings: one line, no control characters, bounded. */
function plainIssuer(issuer: string, max = 100): string {
  const one =
    issuer
      .replace(/[\p{Cc}\p{Cf}\p{Zl}\p{Zp}]+/gu, ' ')
      .replace(/\s+/g, ' ')
      .trim() || 'Tessera';
  return one.length > max ? one.slice(0, max).trim() : one;
}

export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

function validFor(minutes: number): string {
  return minutes === 1 ? '1 minute' : `${minutes} minutes`;
}

const SUBJECTS: Record<CodePurpose, (issuer: string) => string> = {
  'sign-in': (issuer) => `Your ${issuer} sign-in code`,
  confirm: (issuer) => `Confirm your email address for ${issuer}`,
  test: (issuer) => `Your ${issuer} test code`,
};

const LEADS: Record<CodePurpose, (issuer: string) => string> = {
  'sign-in': (issuer) => `Use this code to sign in to ${issuer}:`,
  confirm: (issuer) => `Use this code to confirm this email address for ${issuer}:`,
  test: (issuer) => `This is a test code from ${issuer}:`,
};

const IGNORE = 'If you did not ask for this code, ignore this message and tell your IT team.';

function page(title: string, body: string): string {
  return [
    '<!doctype html>',
    '<html><head><meta charset="utf-8"><meta name="viewport" content="width=device-width"><title>',
    title,
    '</title></head>',
    '<body style="font-family: -apple-system, Segoe UI, Roboto, Helvetica, Arial, sans-serif; color: #1a1b1e; line-height: 1.5;">',
    body,
    '</body></html>',
  ].join('');
}

export function codeEmail(input: { issuer: string; code: string; minutes: number; purpose: CodePurpose }): EmailText {
  const issuer = plainIssuer(input.issuer);
  const subject = SUBJECTS[input.purpose](issuer);
  const lead = LEADS[input.purpose](issuer);
  const expiry = `The code is valid for ${validFor(input.minutes)}.`;
  const text = [lead, '', input.code, '', expiry, '', IGNORE, '', `— ${issuer}`, ''].join('\n');
  const html = page(
    escapeHtml(subject),
    [
      `<p>${escapeHtml(lead)}</p>`,
      `<p style="font-size: 28px; font-weight: 700; letter-spacing: 4px; font-family: ui-monospace, Menlo, Consolas, monospace;">${escapeHtml(input.code)}</p>`,
      `<p>${escapeHtml(expiry)}</p>`,
      `<p style="color: #5c5f66;">${escapeHtml(IGNORE)}</p>`,
      `<p style="color: #5c5f66;">— ${escapeHtml(issuer)}</p>`,
    ].join(''),
  );
  return { subject, text, html };
}

/** "123456 is your Acme code. It expires in 5 minutes." — code first, one SMS. */
export function codeSms(input: { issuer: string; code: string; minutes: number }): string {
  const tail = (issuer: string) => `${input.code} is your ${issuer} code. It expires in ${validFor(input.minutes)}.`;
  const issuer = plainIssuer(input.issuer);
  const room = SMS_MAX - tail('').length;
  return tail(issuer.length > room ? issuer.slice(0, Math.max(0, room)).trim() : issuer);
}

/** The admin's "Send a test message" email. */
export function testEmail(issuerInput: string): EmailText {
  const issuer = plainIssuer(issuerInput);
  const subject = `Test message from ${issuer}`;
  const lines = [`This is a test message from ${issuer}.`, 'Email delivery works: codes sent by email will arrive like this one.'];
  return {
    subject,
    text: `${lines.join('\n\n')}\n`,
    html: page(escapeHtml(subject), lines.map((l) => `<p>${escapeHtml(l)}</p>`).join('')),
  };
}

/** The admin's "Send a test message" SMS. */
export function testSms(issuerInput: string): string {
  return `Test message from ${plainIssuer(issuerInput, 80)}: SMS delivery works.`;
}
