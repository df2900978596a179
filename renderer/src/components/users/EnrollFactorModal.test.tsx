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
