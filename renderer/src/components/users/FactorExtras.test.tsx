// @vitest-environment happy-dom
import { fireEvent, screen, waitFor } from '@testing-library/react';
import { describe, expect, test } from 'vitest';
import type { FactorView } from '../../../../shared/schemas/factors';
import { TrpcRefusal, useFakeTessera } from '../../testing/fakeTessera';
import { renderConsole } from '../../testing/render';
import { FactorActions, FactorDetails } from './FactorExtras';

const server = useFakeTessera();

const base: FactorView = {
  id: 'f1',
  type: 'totp',
  methodName: 'Authenticator app (TOTP)',
  appsMayRemove: true,
  status: 'pending',
  label: 'Work phone',
  algorithm: 'SHA1',
  digits: 6,
  period: 30,
  createdAt: '2026-01-01T00:00:00.000Z',
  confirmedAt: null,
  expiresAt: '2026-01-04T00:00:00.000Z',
  lastUsedAt: null,
};

describe('pending factors in the list', () => {
  test('a pending TOTP: "Confirm with code" takes the current code', async () => {
    server.trpc('users.confirmFactor', () => ({ status: 'active' }));
    renderConsole(<FactorActions username="grace" factor={base} />, { path: '/users/grace' });
    expect(screen.queryByRole('button', { name: /Resend code/ })).toBeNull();
    fireEvent.click(screen.getByRole('button', { name: 'Confirm “Work phone” with code' }));
    fireEvent.change(await screen.findByLabelText(/^6-digit code from the device/), { target: { value: '123456' } });
    fireEvent.click(screen.getByRole('button', { name: 'Confirm factor' }));
    await waitFor(() => expect(server.inputsOf('users.confirmFactor')).toEqual([{ username: 'grace', factorId: 'f1', code: '123456' }]));
    expect(await screen.findByText('Authenticator app “Work phone” now works for grace.')).toBeTruthy();
  });

  test('a pending SMS factor: Resend refused while throttled says how long to wait', async () => {
    server.trpc('users.resendCode', () => {
      throw new TrpcRefusal('A code was sent to this user moments ago; wait 20 s before asking for another', {
        httpStatus: 429,
        tesseraCode: 'throttled',
        retryAfterSeconds: 20,
      });
    });
    const sms: FactorView = {
      ...base,
      id: 'f2',
      type: 'sms',
      methodName: 'Text message (SMS) code',
      label: null,
      algorithm: null,
      digits: null,
      period: null,
      destination: '+•• ••• ••58',
    };
    renderConsole(<FactorActions username="grace" factor={sms} />, { path: '/users/grace' });
    fireEvent.click(screen.getByRole('button', { name: 'Resend code to Text message' }));
    expect(await screen.findByText(/wait 20 s before asking for another/)).toBeTruthy();
    expect(server.inputsOf('users.resendCode')).toEqual([{ username: 'grace', factorId: 'f2' }]);
  });

  test('an active factor offers no confirmation', () => {
    renderConsole(<FactorActions username="grace" factor={{ ...base, status: 'active' }} />, { path: '/users/grace' });
    expect(screen.queryByRole('button', { name: /with code/ })).toBeNull();
  });
});

describe('who may remove a factor', () => {
  test('a factor of a method applications may not remove carries "Only operators can remove"; others do not', () => {
    const { unmount } = renderConsole(<FactorDetails factor={{ ...base, status: 'active', methodName: 'Phone app', appsMayRemove: false }} />);
    expect(screen.getByTestId('factor-f1-operators-only').textContent).toBe('Only operators can remove');
    unmount();
    renderConsole(<FactorDetails factor={{ ...base, status: 'active' }} />);
    expect(screen.queryByText('Only operators can remove')).toBeNull();
  });
});
