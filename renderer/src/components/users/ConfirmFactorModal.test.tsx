// @vitest-environment happy-dom
import { fireEvent, screen } from '@testing-library/react';
import { describe, expect, test } from 'vitest';
import type { FactorView } from '../../../../shared/schemas/factors';
import { TrpcRefusal, useFakeTessera } from '../../testing/fakeTessera';
import { renderConsole } from '../../testing/render';
import { ConfirmFactorModal } from './ConfirmFactorModal';

const server = useFakeTessera();

const sheetFactor = {
  id: 'f-sheet',
  type: 'totp',
  status: 'pending',
  label: 'Enrollment sheet',
  digits: 6,
  expiresAt: '2026-01-04T00:00:00.000Z',
} as FactorView;

const open = (onClose = () => {}) => renderConsole(<ConfirmFactorModal username="marie" factor={sheetFactor} onClose={onClose} />, { path: '/users/marie' });
const typeCode = (code: string) => fireEvent.change(screen.getByLabelText(/6-digit code from the device/), { target: { value: code } });
const confirm = () => fireEvent.click(screen.getByRole('button', { name: 'Confirm factor' }));

describe('ConfirmFactorModal on a printed sheet’s pending factor (issue 18)', () => {
  test('says the user scanned a sheet and may finish it by signing in; the code goes to users.confirmFactor', async () => {
    server.trpc('users.confirmFactor', () => ({ status: 'active', factor: { ...sheetFactor, status: 'active' } }));
    let closed = false;
    open(() => {
      closed = true;
    });
    expect(screen.getByText(/the user scanned the printed sheet/)).toBeTruthy();
    expect(screen.getByText('The user may also finish it themselves: the first code they sign in with confirms it.')).toBeTruthy();
    typeCode('123 456');
    confirm();
    expect(await screen.findByText('Factor confirmed')).toBeTruthy();
    expect(server.mutations().map((m) => [m.name, m.input])).toEqual([['users.confirmFactor', { username: 'marie', factorId: 'f-sheet', code: '123456' }]]);
    expect(closed).toBe(true);
  });

  test('a wrong code shows the server’s words on the field and clears it', async () => {
    server.trpc('users.confirmFactor', () => {
      throw new TrpcRefusal('That code is not right for this factor; check the device clock and try the next code', { tesseraCode: 'invalid_code' });
    });
    open();
    typeCode('000000');
    confirm();
    expect(await screen.findByText('That code is not right for this factor; check the device clock and try the next code')).toBeTruthy();
    expect((screen.getByLabelText(/6-digit code from the device/) as HTMLInputElement).value).toBe('');
  });

  test('already finished by the user’s sign-in (409): says it works and closes, no error', async () => {
    server.trpc('users.confirmFactor', () => {
      throw new TrpcRefusal('This factor is already active', { tesseraCode: 'conflict', code: 'CONFLICT', httpStatus: 409 });
    });
    let closed = false;
    open(() => {
      closed = true;
    });
    typeCode('123456');
    confirm();
    expect(await screen.findByText('Already confirmed')).toBeTruthy();
    expect(screen.getByText('marie has finished this factor already: it works.')).toBeTruthy();
    expect(closed).toBe(true);
  });
});
