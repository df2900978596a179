// @vitest-environment happy-dom
import { fireEvent, screen } from '@testing-library/react';
import { describe, expect, test } from 'vitest';
import type { FactorView } from '../../../../shared/schemas/factors';
import type { UserDetail } from '../../../../shared/schemas/users';
import { useFakeTessera } from '../../testing/fakeTessera';
import { renderConsole } from '../../testing/render';
import { ResetLostDeviceModal, resetSummary } from './ResetLostDeviceModal';

const server = useFakeTessera();

const factor = (id: string) => ({ id, type: 'totp', status: 'active' }) as FactorView;
/** The fields the dialog reads; the rest of a user's page does not matter here. */
const user = (over: Partial<UserDetail>): UserDetail =>
  ({ username: 'bob', factors: [factor('f1'), factor('f2')], recoveryCodes: { total: 10, unused: 8 }, rememberedDevices: [], ...over }) as UserDetail;

describe('ResetLostDeviceModal', () => {
  test('says how many recovery codes are left (8 of 10), not how many were issued (issue 18)', () => {
    renderConsole(<ResetLostDeviceModal user={user({})} opened onClose={() => {}} onReset={() => {}} />);
    expect(screen.getByTestId('reset-summary').textContent).toBe(
      'Removes all 2 factors and the 8 unused recovery codes of bob. They cannot pass MFA until a new factor is enrolled. This cannot be undone.',
    );
  });

  test('counts what is there: one factor, no codes left, remembered devices', () => {
    expect(resetSummary(user({ factors: [factor('f1')], recoveryCodes: { total: 10, unused: 0 } }))).toEqual(['the only factor']);
    expect(resetSummary(user({ recoveryCodes: { total: 10, unused: 1 }, rememberedDevices: [{} as never, {} as never] }))).toEqual([
      'all 2 factors',
      'the 1 unused recovery code',
      '2 remembered devices',
    ]);
  });

  test('a reason and the typed username send users.reset; the notice names the unused codes the server voided', async () => {
    server.trpc('users.reset', () => ({ factorsRemoved: 2, recoveryCodesRemoved: 8 }));
    let reset = false;
    renderConsole(
      <ResetLostDeviceModal
        user={user({})}
        opened
        onClose={() => {}}
        onReset={() => {
          reset = true;
        }}
      />,
    );
    fireEvent.change(screen.getByLabelText(/^Reason/), { target: { value: 'ticket 5521: phone lost' } });
    fireEvent.change(screen.getByRole('textbox', { name: /to confirm/ }), { target: { value: 'bob' } });
    fireEvent.click(screen.getByRole('button', { name: 'Reset lost device' }));
    expect(await screen.findByText('2 factors and 8 unused recovery codes removed. Enroll a new factor next.')).toBeTruthy();
    expect(server.mutations().map((m) => [m.name, m.input])).toEqual([['users.reset', { username: 'bob', reason: 'ticket 5521: phone lost' }]]);
    expect(reset).toBe(true);
  });
});
