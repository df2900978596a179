// @vitest-environment happy-dom
import { fireEvent, screen, within } from '@testing-library/react';
import { describe, expect, test } from 'vitest';
import type { SmsGatewayConfigView, SmtpConfigView } from '../../../../shared/schemas/delivery';
import { DEFAULT_SETTINGS, type Settings } from '../../../../shared/schemas/settings';
import { TrpcRefusal, useFakeTessera } from '../../testing/fakeTessera';
import { renderConsole, TEST_ADMIN } from '../../testing/render';
import { SentCodesCard } from './SentCodesCard';
import { SmsGatewayCard } from './SmsGatewayCard';
import { SmtpCard } from './SmtpCard';

const server = useFakeTessera();

const SMTP: SmtpConfigView = {
  host: 'smtp.example.com',
  port: 587,
  tls: 'starttls',
  username: 'mfa',
  from: 'mfa@example.com',
  verifyCertificate: true,
  timeoutMs: 10_000,
  hasPassword: true,
  updatedAt: '2026-03-01T10:00:00.000Z',
};

const GATEWAY: SmsGatewayConfigView = {
  profile: 'http',
  url: 'https://sms.example.com/send',
  headers: [{ name: 'Authorization', value: 'Bearer {{secret}}' }],
  bodyFormat: 'json',
  bodyTemplate: '{"to": "{{to}}", "text": "{{message}}"}',
  successStatuses: [200, 202],
  successBodyContains: '',
  timeoutMs: 5000,
  hasSecret: true,
  updatedAt: '2026-03-01T10:00:00.000Z',
};

const type = (label: RegExp | string, value: string) => fireEvent.change(screen.getByLabelText(label), { target: { value } });
const click = (name: string | RegExp) => fireEvent.click(screen.getByRole('button', { name }));
const input = (label: RegExp | string) => screen.getByLabelText(label) as HTMLInputElement;

describe('SmtpCard', () => {
  test('the stored password is never filled in: the field is empty and says one is stored', () => {
    renderConsole(<SmtpCard view={SMTP} />);
    expect(input(/^Password/).value).toBe('');
    expect(input(/^Password/).placeholder).toBe('stored ••• — leave empty to keep');
    expect(input(/^Host/).value).toBe('smtp.example.com');
    expect(screen.getByText('Weaker than the other methods')).toBeTruthy();
  });

  test('bad fields say why in words, and nothing is sent', async () => {
    renderConsole(<SmtpCard view={SMTP} />);
    type(/^Host/, '');
    type(/^Port/, '');
    type(/^From address/, 'not-an-address');
    type(/^Timeout/, '');
    click('Save email settings');
    expect(await screen.findByText('Enter the SMTP server’s host name')).toBeTruthy();
    expect(screen.getByText('Enter the port (1–65535)')).toBeTruthy();
    expect(screen.getByText('Email is not a valid address')).toBeTruthy();
    expect(screen.getByText('Enter a timeout in seconds (1–60)')).toBeTruthy();
    expect(server.mutations()).toEqual([]);
  });

  test('no TLS to another machine is refused on the TLS field, with the schema’s words', async () => {
    renderConsole(<SmtpCard view={SMTP} />);
    fireEvent.click(screen.getByRole('combobox', { name: 'TLS' }));
    fireEvent.click(await screen.findByRole('option', { name: 'None — this machine only' }));
    click('Save email settings');
    expect(await screen.findByText(/A connection without TLS is allowed only to this machine/)).toBeTruthy();
    expect(server.mutations()).toEqual([]);
  });

  test('an empty password keeps the stored one (left out); "Remove password" sends null', async () => {
    server.trpc('settings.setSmtp', (i) => ({ ...SMTP, ...(i as object), hasPassword: (i as { password?: unknown }).password !== null }));
    server.trpc('settings.delivery', () => ({ email: SMTP, sms: null }));
    renderConsole(<SmtpCard view={SMTP} />);
    type(/^Port/, '2525');
    click('Save email settings');
    expect(await screen.findByText('Email settings saved')).toBeTruthy();
    expect(server.inputsOf('settings.setSmtp')[0]).toEqual({
      host: 'smtp.example.com',
      port: 2525,
      tls: 'starttls',
      username: 'mfa',
      from: 'mfa@example.com',
      verifyCertificate: true,
      timeoutMs: 10_000,
    });
    fireEvent.click(screen.getByRole('checkbox', { name: /Remove password/ }));
    expect(input(/^Password/).disabled).toBe(true);
    click('Save email settings');
    await screen.findAllByText('Email settings saved');
    expect(server.inputsOf('settings.setSmtp')[1]).toMatchObject({ password: null });
  });

  test('the test message shows the server’s answer verbatim: green when sent, red when not', async () => {
    const answers = [
      { ok: true, response: '250 2.0.0 OK: queued as 4F2A' },
      { ok: false, error: 'Connection refused by 127.0.0.1:2599' },
    ];
    server.trpc('settings.testEmail', () => answers.shift());
    renderConsole(<SmtpCard view={SMTP} />);
    type('Send a test message to', 'ops@example.com');
    click('Send test');
    const ok = await screen.findByTestId('test-email-outcome');
    expect(ok.textContent).toContain('250 2.0.0 OK: queued as 4F2A');
    expect(ok.textContent).toContain('Sent: the server answered');
    expect(server.inputsOf('settings.testEmail')).toEqual([{ to: 'ops@example.com' }]);
    click('Send test');
    expect(await screen.findByText('Connection refused by 127.0.0.1:2599')).toBeTruthy();
    expect(screen.getByTestId('test-email-outcome').textContent).toContain('Not delivered');
  });

  test('a bad test address says why; the test is off until settings are saved, and while edits are unsaved', async () => {
    const { unmount } = renderConsole(<SmtpCard view={SMTP} />);
    type('Send a test message to', 'nope');
    click('Send test');
    expect(await screen.findByText('Email is not a valid address')).toBeTruthy();
    type(/^Host/, 'mail.example.com');
    expect(screen.getByRole('button', { name: 'Send test' }).hasAttribute('disabled')).toBe(true);
    expect(screen.getByText(/Save or discard your changes first/)).toBeTruthy();
    unmount();
    renderConsole(<SmtpCard view={null} />);
    expect(screen.getByRole('button', { name: 'Send test' }).hasAttribute('disabled')).toBe(true);
    expect(screen.getByText(/Save the settings first/)).toBeTruthy();
    expect(server.mutations()).toEqual([]);
  });

  test('an auditor reads the settings: no Save, no test, fields read-only', () => {
    renderConsole(<SmtpCard view={SMTP} />, { operator: { ...TEST_ADMIN, role: 'auditor' } });
    expect(input(/^Host/).readOnly).toBe(true);
    expect(screen.queryByRole('button', { name: 'Save email settings' })).toBeNull();
    expect(screen.queryByRole('button', { name: 'Send test' })).toBeNull();
    expect(screen.queryByRole('checkbox', { name: /Remove password/ })).toBeNull();
    expect(screen.queryByRole('switch')).toBeNull();
    expect(screen.getByTestId('smtp-verify-certificate').textContent).toBe('Verified against the system’s CAs');
  });
});

describe('SmsGatewayCard', () => {
  test('the stored secret is never filled in; the headers and statuses are shown as stored', () => {
    renderConsole(<SmsGatewayCard view={GATEWAY} />);
    expect(input(/^Secret/).value).toBe('');
    expect(input(/^Secret/).placeholder).toBe('stored ••• — leave empty to keep');
    expect(input('Header 1 value').value).toBe('Bearer {{secret}}');
    expect(input(/^Success statuses/).value).toBe('200, 202');
    expect(screen.getByText('Weaker than apps and keys')).toBeTruthy();
  });

  test('bad fields say why in words, on the field (a header row on its own field), nothing sent', async () => {
    renderConsole(<SmsGatewayCard view={GATEWAY} />);
    type(/^URL/, 'http://sms.example.com/send');
    type('Header 1 name', 'X Bad Name');
    type(/^Success statuses/, '200, ok');
    type(/^Body template/, '');
    click('Save SMS settings');
    expect(await screen.findByText('The gateway URL must use https (http only to this machine)')).toBeTruthy();
    expect(screen.getByText('Header name must be letters, digits and dashes')).toBeTruthy();
    expect(screen.getByText('“ok” is not an HTTP status: give three-digit codes (100–599), separated by commas')).toBeTruthy();
    expect(screen.getByText('Body template must not be empty')).toBeTruthy();
    expect(input('Header 1 name').getAttribute('aria-invalid')).toBe('true');
    expect(server.mutations()).toEqual([]);
  });

  test('Twilio: the SID and From are checked by the schema; a good form sends the twilio profile with the token', async () => {
    server.trpc('settings.setSms', (i) => ({ ...(i as object), hasSecret: true, updatedAt: '2026-03-02T00:00:00.000Z' }));
    server.trpc('settings.delivery', () => ({ email: null, sms: GATEWAY }));
    renderConsole(<SmsGatewayCard view={null} />);
    fireEvent.click(screen.getByRole('combobox', { name: 'Gateway' }));
    fireEvent.click(await screen.findByRole('option', { name: 'Twilio' }));
    type(/^Account SID/, 'AC123');
    type(/^From/, '555-1234');
    click('Save SMS settings');
    expect(await screen.findByText('Account SID is "AC" and 32 hex digits')).toBeTruthy();
    expect(screen.getByText('From is an E.164 number (+15551234567) or a messaging service SID (MG…)')).toBeTruthy();
    expect(server.mutations()).toEqual([]);

    type(/^Account SID/, `AC${'a'.repeat(32)}`);
    type(/^From/, '+15551234567');
    type(/^Auth token/, 'tok-secret');
    click('Save SMS settings');
    expect(await screen.findByText('SMS settings saved')).toBeTruthy();
    expect(server.inputsOf('settings.setSms')).toEqual([
      {
        profile: 'twilio',
        accountSid: `AC${'a'.repeat(32)}`,
        from: '+15551234567',
        apiBase: 'https://api.twilio.com',
        timeoutMs: 10_000,
        secret: 'tok-secret',
      },
    ]);
  });

  test('the test message: a number the schema refuses says why; the gateway’s answer is shown as it came', async () => {
    server.trpc('settings.testSms', () => ({ ok: false, error: 'The gateway answered 401: {"error":"bad token"}' }));
    renderConsole(<SmsGatewayCard view={GATEWAY} />);
    type('Send a test message to', '12');
    click('Send test');
    expect(await screen.findByText('Phone number must include the country code, like +44 20 7946 0958')).toBeTruthy();
    expect(input('Send a test message to').getAttribute('aria-invalid')).toBe('true');
    expect(server.mutations()).toEqual([]);

    type('Send a test message to', '+44 7911 123456');
    click('Send test');
    const outcome = await screen.findByTestId('test-sms-outcome');
    expect(within(outcome).getByText('The gateway answered 401: {"error":"bad token"}')).toBeTruthy();
    expect(server.inputsOf('settings.testSms')).toEqual([{ to: '+447911123456' }]);
  });

  test('a server refusal that names no field is said under the buttons', async () => {
    server.trpc('settings.testSms', () => {
      throw new TrpcRefusal('Save the SMS gateway settings first, then send a test message', { tesseraCode: 'delivery_unconfigured' });
    });
    renderConsole(<SmsGatewayCard view={GATEWAY} />);
    type('Send a test message to', '+447911123456');
    click('Send test');
    expect(await screen.findByText('Save the SMS gateway settings first, then send a test message')).toBeTruthy();
  });
});

describe('SentCodesCard', () => {
  test('empty and out-of-range numbers say why in words; nothing is sent', async () => {
    renderConsole(<SentCodesCard settings={DEFAULT_SETTINGS} />);
    type(/^Code life/, '');
    type(/^Sends per user/, '0');
    type(/^Limit window/, '5000');
    click('Save sent-code settings');
    expect(await screen.findByText('Enter how long a code stays valid')).toBeTruthy();
    expect(screen.getByText('Allow at least 1 send')).toBeTruthy();
    expect(screen.getByText('The window may be at most 24 hours')).toBeTruthy();
    expect(server.mutations()).toEqual([]);
  });

  test('good values send settings.update with only these settings, as numbers', async () => {
    server.trpc('settings.update', (patch) => ({ ...DEFAULT_SETTINGS, ...(patch as Partial<Settings>) }));
    server.trpc('settings.get', () => DEFAULT_SETTINGS);
    renderConsole(<SentCodesCard settings={DEFAULT_SETTINGS} />);
    fireEvent.click(screen.getByRole('combobox', { name: 'Code length' }));
    fireEvent.click(await screen.findByRole('option', { name: '8 digits' }));
    type(/^Code life/, '10');
    type(/^Sends per API key/, '250');
    click('Save sent-code settings');
    expect(await screen.findByText('Sent-code settings saved')).toBeTruthy();
    expect(server.inputsOf('settings.update')).toEqual([
      {
        deliveredCodeDigits: 8,
        deliveredCodeMinutes: 10,
        sendLimitPerUser: 5,
        sendLimitPerApiKey: 250,
        sendLimitWindowMinutes: 15,
        resendSeconds: 30,
        temporaryCodeMaxHours: 24,
      },
    ]);
  });
});
