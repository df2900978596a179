// @vitest-environment happy-dom
import { fireEvent, screen, waitFor, within } from '@testing-library/react';
import { describe, expect, test } from 'vitest';
import { TrpcRefusal, useFakeTessera } from '../../testing/fakeTessera';
import { renderConsole } from '../../testing/render';
import { EnrollFactorModal } from './EnrollFactorModal';

const server = useFakeTessera();

const HOTP_URI = 'otpauth://hotp/Tessera:grace?secret=JBSWY3DPEHPK3PXP&issuer=Tessera&algorithm=SHA1&digits=6&counter=0';
const enrolled = { id: 'f-hotp', type: 'hotp', status: 'pending', secret: 'JBSWY3DPEHPK3PXP', otpauthUri: HOTP_URI, expiresAt: '2026-01-04T00:00:00.000Z' };

function open(onClose: () => void = () => {}) {
  renderConsole(<EnrollFactorModal username="grace" opened onClose={onClose} />, { path: '/users/grace' });
}

describe('EnrollFactorModal', () => {
  test('a label over 64 characters shows its message and nothing is sent', async () => {
    open();
    fireEvent.change(screen.getByLabelText(/^Label/), { target: { value: 'x'.repeat(65) } });
    fireEvent.click(screen.getByRole('button', { name: 'Show QR code' }));
    expect(await screen.findByText(/^Label must be at most 64/)).toBeTruthy();
    expect(server.mutations()).toEqual([]);
  });

  test('an HOTP token: enrollOtp with its parameters, then the code confirms it', async () => {
    const closed: string[] = [];
    server.trpc('users.enrollOtp', () => enrolled);
    server.trpc('users.confirmFactor', () => ({ id: 'f-hotp', status: 'active' }));
    open(() => closed.push('closed'));

    fireEvent.click(screen.getByRole('radio', { name: 'Hardware token (HOTP)' }));
    fireEvent.change(screen.getByLabelText(/^Label/), { target: { value: 'Desk token' } });
    fireEvent.click(screen.getByRole('button', { name: 'Show QR code' }));

    // Step two: the secret shown once, and the code field.
    const code = await screen.findByLabelText('6-digit code from the device');
    expect(screen.getByText('Scan with grace’s device')).toBeTruthy();
    // What the shared schema gives back (its period default included) is what goes.
    expect(server.mutations().map((c) => [c.name, c.input])).toEqual([
      ['users.enrollOtp', { username: 'grace', factor: { type: 'hotp', label: 'Desk token', algorithm: 'SHA1', digits: 6, period: 30 } }],
    ]);

    // A short code is refused here, without a request.
    fireEvent.change(code, { target: { value: '123' } });
    fireEvent.click(screen.getByRole('button', { name: 'Confirm factor' }));
    expect(await screen.findByText('Enter the 6-digit code the device shows')).toBeTruthy();
    expect(server.inputsOf('users.confirmFactor')).toEqual([]);

    fireEvent.change(code, { target: { value: '123 456' } });
    fireEvent.click(screen.getByRole('button', { name: 'Confirm factor' }));
    await waitFor(() => expect(closed).toEqual(['closed']));
    expect(server.inputsOf('users.confirmFactor')).toEqual([{ username: 'grace', factorId: 'f-hotp', code: '123456' }]);
    expect(await screen.findByText('The HOTP token now works for grace.')).toBeTruthy();
  });

  test("a wrong first code shows the server's message on the code field and clears it", async () => {
    server.trpc('users.enrollOtp', () => ({ ...enrolled, type: 'totp', otpauthUri: 'otpauth://totp/Tessera:grace?secret=JBSWY3DPEHPK3PXP&issuer=Tessera' }));
    server.trpc('users.confirmFactor', () => {
      throw new TrpcRefusal('That code is not right', {
        tesseraCode: 'invalid_code',
        fields: [{ path: 'code', message: 'That code is not right; try the next one' }],
      });
    });
    open();
    fireEvent.click(screen.getByRole('button', { name: 'Show QR code' }));
    const code = await screen.findByLabelText('6-digit code from the device');
    expect(server.inputsOf('users.enrollOtp')).toEqual([{ username: 'grace', factor: { type: 'totp', algorithm: 'SHA1', digits: 6, period: 30 } }]);
    fireEvent.change(code, { target: { value: '000000' } });
    fireEvent.click(screen.getByRole('button', { name: 'Confirm factor' }));
    expect(await within(screen.getByRole('dialog')).findByText('That code is not right; try the next one')).toBeTruthy();
    expect((code as HTMLInputElement).value).toBe('');
  });
});

const SETTINGS = { methods: { totp: true, hotp: true, recovery: true, webauthn: true, email: true, sms: false }, temporaryCodeMaxHours: 24 };
const sentEmail = {
  id: 'f-mail',
  type: 'email',
  status: 'pending',
  destination: 'g•••@example.org',
  transactionId: 't1',
  codeExpiresAt: '2026-01-01T00:05:00.000Z',
  expiresAt: '2026-01-04T00:00:00.000Z',
};

function openFor(user: { email: string | null; phone: string | null }, onClose: () => void = () => {}) {
  renderConsole(<EnrollFactorModal username="grace" user={user} opened onClose={onClose} />, { path: '/users/grace' });
}

describe('EnrollFactorModal: email and SMS', () => {
  test('offers only the methods that are on; email is prefilled and marked weaker; the sent code confirms it', async () => {
    const closed: string[] = [];
    server.trpc('settings.userPageOptions', () => SETTINGS);
    server.trpc('users.enrollDelivered', () => sentEmail);
    server.trpc('users.confirmFactor', () => ({ status: 'active' }));
    openFor({ email: 'grace@example.org', phone: null }, () => closed.push('closed'));

    fireEvent.click(await screen.findByRole('radio', { name: 'Email code' }));
    expect(screen.queryByRole('radio', { name: 'Text message (SMS)' })).toBeNull();
    expect(screen.getByText('Weaker than the other methods')).toBeTruthy();
    expect((screen.getByLabelText(/^Email address/) as HTMLInputElement).value).toBe('grace@example.org');
    fireEvent.click(screen.getByRole('button', { name: 'Send code' }));

    expect(await screen.findByText(/We sent a code to/)).toBeTruthy();
    expect(screen.getByTestId('sent-destination').textContent).toBe('g•••@example.org');
    expect(server.inputsOf('users.enrollDelivered')).toEqual([{ username: 'grace', factor: { type: 'email', destination: 'grace@example.org' } }]);
    fireEvent.change(screen.getByLabelText(/^Code from the email/), { target: { value: '123 456' } });
    fireEvent.click(screen.getByRole('button', { name: 'Confirm' }));
    await waitFor(() => expect(closed).toEqual(['closed']));
    expect(server.inputsOf('users.confirmFactor')).toEqual([{ username: 'grace', factorId: 'f-mail', code: '123456' }]);
  });

  test('Resend, when the server asks to wait, says so and waits', async () => {
    server.trpc('settings.userPageOptions', () => SETTINGS);
    server.trpc('users.enrollDelivered', () => sentEmail);
    server.trpc('users.resendCode', () => {
      throw new TrpcRefusal('A code was sent to this user moments ago; wait 25 s before asking for another', {
        code: 'TOO_MANY_REQUESTS',
        httpStatus: 429,
        tesseraCode: 'throttled',
        retryAfterSeconds: 25,
      });
    });
    openFor({ email: 'grace@example.org', phone: null });
    fireEvent.click(await screen.findByRole('radio', { name: 'Email code' }));
    fireEvent.click(screen.getByRole('button', { name: 'Send code' }));
    fireEvent.click(await screen.findByRole('button', { name: 'Resend code' }));
    expect(await screen.findByText('Too many codes sent')).toBeTruthy();
    expect(screen.getByText(/wait 25 s before asking for another/)).toBeTruthy();
    const button = screen.getByRole('button', { name: /^Resend code \(wait 2\d s\)$/ }) as HTMLButtonElement;
    expect(button.disabled).toBe(true);
    expect(server.inputsOf('users.resendCode')).toEqual([{ username: 'grace', factorId: 'f-mail' }]);
  });

  test('email not set up: the message in words, and a link to Methods & settings for an admin', async () => {
    server.trpc('settings.userPageOptions', () => SETTINGS);
    server.trpc('users.enrollDelivered', () => {
      throw new TrpcRefusal('Email is not set up on this Tessera: an admin sets the SMTP server under Methods & settings', {
        code: 'INTERNAL_SERVER_ERROR',
        httpStatus: 503,
        tesseraCode: 'delivery_unconfigured',
      });
    });
    openFor({ email: 'grace@example.org', phone: null });
    fireEvent.click(await screen.findByRole('radio', { name: 'Email code' }));
    fireEvent.click(screen.getByRole('button', { name: 'Send code' }));
    const alert = (await screen.findByText('Sending is not set up')).closest('[role="alert"]') as HTMLElement;
    expect(within(alert).getByText(/an admin sets the SMTP server/)).toBeTruthy();
    expect(within(alert).getByRole('link', { name: 'Open Methods & settings' }).getAttribute('href')).toBe('/settings');
    // Still on the first step: nothing was sent.
    expect(screen.getByRole('button', { name: 'Send code' })).toBeTruthy();
  });

  test('SMS (settings unreadable: every choice offered): a bad number is refused inline; empty uses the number on file', async () => {
    server.trpc('users.enrollDelivered', () => ({ ...sentEmail, id: 'f-sms', type: 'sms', destination: '+•• ••• ••• ••58' }));
    openFor({ email: null, phone: '+•• ••• ••• ••58' });
    fireEvent.click(await screen.findByRole('radio', { name: 'Text message (SMS)' }));
    expect(screen.getByText(/leave empty to use the number on file \(\+•• ••• ••• ••58\)/)).toBeTruthy();
    fireEvent.change(screen.getByLabelText(/^Mobile number/), { target: { value: '07911 123456' } });
    fireEvent.click(screen.getByRole('button', { name: 'Send code' }));
    expect(await screen.findByText(/must include the country code/)).toBeTruthy();
    expect(server.mutations()).toEqual([]);

    fireEvent.change(screen.getByLabelText(/^Mobile number/), { target: { value: '' } });
    fireEvent.click(screen.getByRole('button', { name: 'Send code' }));
    expect(await screen.findByText(/We sent a code to/)).toBeTruthy();
    expect(server.inputsOf('users.enrollDelivered')).toEqual([{ username: 'grace', factor: { type: 'sms' } }]);
  });

  test('a wrong sent code says so in words (not the device-clock hint) and clears the field', async () => {
    server.trpc('settings.userPageOptions', () => SETTINGS);
    server.trpc('users.enrollDelivered', () => sentEmail);
    server.trpc('users.confirmFactor', () => {
      throw new TrpcRefusal('That code is not right for this factor; check the device clock and try the next code', { tesseraCode: 'invalid_code' });
    });
    openFor({ email: 'grace@example.org', phone: null });
    fireEvent.click(await screen.findByRole('radio', { name: 'Email code' }));
    fireEvent.click(screen.getByRole('button', { name: 'Send code' }));
    const code = await screen.findByLabelText(/^Code from the email/);
    fireEvent.change(code, { target: { value: '000000' } });
    fireEvent.click(screen.getByRole('button', { name: 'Confirm' }));
    expect(await screen.findByText('That is not the code we sent; check the latest email, or resend the code')).toBeTruthy();
    expect((code as HTMLInputElement).value).toBe('');
  });
});
