// @vitest-environment happy-dom
import { fireEvent, screen, waitFor } from '@testing-library/react';
import { describe, expect, test } from 'vitest';
import type { OperatorView } from '../../../../shared/schemas/operators';
import { TrpcRefusal, useFakeTessera } from '../../testing/fakeTessera';
import { renderConsole } from '../../testing/render';
import { ResetPasswordModal } from './ResetPasswordModal';

const server = useFakeTessera();

const HAL: OperatorView = {
  id: 'op-hal',
  username: 'hal',
  displayName: 'Hal Helpdesk',
  role: 'helpdesk',
  status: 'active',
  createdAt: '2026-01-01T00:00:00.000Z',
  mustChangePassword: false,
  temporaryPasswordExpiresAt: null,
  passwordChangedAt: '2026-01-01T00:00:00.000Z',
};
const RESULT = {
  operator: { ...HAL, mustChangePassword: true, temporaryPasswordExpiresAt: '2026-01-08T00:00:00.000Z' },
  temporaryPassword: 'abcde-fghjk-mnpqr-stuvw',
  expiresAt: '2026-01-08T00:00:00.000Z',
  sessionsEnded: 2,
};

const reauthField = () => screen.getByLabelText(/^Current password, or a code/);
const submit = () => fireEvent.click(screen.getByRole('button', { name: 'Reset password' }));

describe('ResetPasswordModal', () => {
  test('nothing is sent without the admin’s own password or code, nor with a typed password that breaks the rules', async () => {
    renderConsole(<ResetPasswordModal operator={HAL} onClose={() => {}} />);
    submit();
    expect(await screen.findByText('Type your password, or a code from your authenticator app.')).toBeTruthy();
    fireEvent.click(screen.getByRole('radio', { name: 'Type one' }));
    fireEvent.change(screen.getByLabelText(/^Temporary password to give them/), { target: { value: 'hal-temporary-1' } });
    fireEvent.change(reauthField(), { target: { value: 'the admin passphrase' } });
    submit();
    expect(await screen.findByText('Do not use your username in your password.')).toBeTruthy();
    expect(server.mutations()).toEqual([]);
  });

  test('generated: sends the id and the re-authentication only, then shows the password once with what happens next', async () => {
    server.trpc('operators.resetPassword', () => RESULT);
    renderConsole(<ResetPasswordModal operator={HAL} onClose={() => {}} />);
    fireEvent.change(reauthField(), { target: { value: '123 456' } });
    submit();
    expect((await screen.findByTestId('temporary-password')).textContent).toBe('abcde-fghjk-mnpqr-stuvw');
    expect(server.mutations().map((c) => [c.name, c.input])).toEqual([['operators.resetPassword', { id: 'op-hal', reauth: { code: '123456' } }]]);
    expect(screen.getByText('It will not be shown again')).toBeTruthy();
    expect(screen.getByText(/They were signed out of 2 sessions\./)).toBeTruthy();
  });

  test('a refused re-authentication shows on its field and the dialog stays', async () => {
    server.trpc('operators.resetPassword', () => {
      throw new TrpcRefusal('That is not your current password or a current code from your authenticator app', {
        tesseraCode: 'invalid_code',
        fields: [{ path: 'reauth', message: 'That is not your current password or a current code from your authenticator app' }],
      });
    });
    renderConsole(<ResetPasswordModal operator={HAL} onClose={() => {}} />);
    fireEvent.change(reauthField(), { target: { value: 'wrong admin password' } });
    submit();
    await waitFor(() => expect(screen.getByText('That is not your current password or a current code from your authenticator app')).toBeTruthy());
    expect(screen.queryByTestId('temporary-password')).toBeNull();
    expect(server.mutations().map((c) => c.input)).toEqual([{ id: 'op-hal', reauth: { password: 'wrong admin password' } }]);
  });
});
