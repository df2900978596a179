// @vitest-environment happy-dom
import { fireEvent, screen, waitFor, within } from '@testing-library/react';
import { describe, expect, test } from 'vitest';
import type { RememberedDeviceView } from '../../../../shared/schemas/rememberedDevices';
import { useFakeTessera } from '../../testing/fakeTessera';
import { renderConsole } from '../../testing/render';
import { RememberedDevicesCard } from './RememberedDevicesCard';

const server = useFakeTessera();

const laptop: RememberedDeviceView = {
  id: 'd1',
  label: 'Work laptop',
  application: 'Intranet portal',
  userAgent: 'Firefox 140 on Linux',
  createdAt: '2026-03-01T09:00:00.000Z',
  lastUsedAt: null,
  expiresAt: '2026-03-31T09:00:00.000Z',
};
const phone: RememberedDeviceView = { ...laptop, id: 'd2', label: 'Phone', userAgent: null, application: 'Mail' };

describe('RememberedDevicesCard', () => {
  test('each device with its application, browser, dates; none: says so', () => {
    const { unmount } = renderConsole(<RememberedDevicesCard username="grace" devices={[laptop, phone]} canRevoke />);
    const row = screen.getByTestId('device-d1');
    for (const text of ['Work laptop', 'Intranet portal', 'Firefox 140 on Linux', '1 Mar 2026', 'Never', '31 Mar 2026'])
      expect(row.textContent).toContain(text);
    expect(screen.getByTestId('device-d2').textContent).toContain('Browser not given');
    expect(screen.getByText('2 devices')).toBeTruthy();
    unmount();
    renderConsole(<RememberedDevicesCard username="grace" devices={[]} canRevoke />);
    expect(screen.getByText(/No device is remembered/)).toBeTruthy();
    expect(screen.queryByRole('button', { name: 'Revoke all' })).toBeNull();
  });

  test('Revoke asks for a reason, then sends users.revokeDevice with it', async () => {
    server.trpc('users.revokeDevice', () => ({ ok: true }));
    renderConsole(<RememberedDevicesCard username="grace" devices={[laptop, phone]} canRevoke />);
    fireEvent.click(screen.getByRole('button', { name: 'Revoke “Work laptop”' }));
    const dialog = await screen.findByRole('dialog');
    expect(dialog.textContent).toContain('Intranet portal can no longer skip the code on “Work laptop”');
    fireEvent.click(within(dialog).getByRole('button', { name: 'Revoke device' }));
    expect(await within(dialog).findByText('Give a reason: it is kept in the audit log')).toBeTruthy();
    expect(server.mutations()).toEqual([]);
    fireEvent.change(within(dialog).getByLabelText(/^Reason/), { target: { value: 'laptop stolen' } });
    fireEvent.click(within(dialog).getByRole('button', { name: 'Revoke device' }));
    expect(await screen.findByText('Device revoked')).toBeTruthy();
    expect(server.inputsOf('users.revokeDevice')).toEqual([{ username: 'grace', deviceId: 'd1', reason: 'laptop stolen' }]);
  });

  test('Revoke all sends users.revokeAllDevices and says how many', async () => {
    server.trpc('users.revokeAllDevices', () => ({ revoked: 2 }));
    renderConsole(<RememberedDevicesCard username="grace" devices={[laptop, phone]} canRevoke />);
    fireEvent.click(screen.getByRole('button', { name: 'Revoke all' }));
    const dialog = await screen.findByRole('dialog');
    fireEvent.change(within(dialog).getByLabelText(/^Reason/), { target: { value: 'ticket #12: account taken over' } });
    fireEvent.click(within(dialog).getByRole('button', { name: 'Revoke all' }));
    expect(await screen.findByText('2 devices of grace must enter a code again.')).toBeTruthy();
    await waitFor(() => expect(server.inputsOf('users.revokeAllDevices')).toEqual([{ username: 'grace', reason: 'ticket #12: account taken over' }]));
  });

  test('an auditor sees the devices and no Revoke buttons', () => {
    renderConsole(<RememberedDevicesCard username="grace" devices={[laptop]} canRevoke={false} />);
    expect(screen.getByTestId('device-d1')).toBeTruthy();
    expect(screen.queryByRole('button', { name: /Revoke/ })).toBeNull();
  });
});
