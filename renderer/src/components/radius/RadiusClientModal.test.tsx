// @vitest-environment happy-dom
import { fireEvent, screen, waitFor } from '@testing-library/react';
import { describe, expect, test, vi } from 'vitest';
import type { RadiusClientView } from '../../../../shared/schemas/radius';
import { useFakeTessera } from '../../testing/fakeTessera';
import { renderConsole } from '../../testing/render';
import { RadiusClientModal } from './RadiusClientModal';

const server = useFakeTessera();

const view = (over: Partial<RadiusClientView> = {}): RadiusClientView => ({
  id: 'r1',
  name: 'Office VPN',
  address: '192.0.2.10',
  mode: 'code',
  requireMessageAuthenticator: true,
  createdAt: '2026-01-01T00:00:00.000Z',
  updatedAt: '2026-01-01T00:00:00.000Z',
  ...over,
});

describe('RadiusClientModal', () => {
  test("the shared schema's messages for each field; nothing is sent", async () => {
    renderConsole(<RadiusClientModal opened editing={null} onClose={() => {}} />);
    fireEvent.change(screen.getByLabelText(/^Source address/), { target: { value: '192.0.2.300' } });
    fireEvent.change(screen.getByLabelText(/^Shared secret/), { target: { value: 'short' } });
    fireEvent.click(screen.getByRole('button', { name: 'Add client' }));
    expect(await screen.findByText('Name must not be empty')).toBeTruthy();
    expect(screen.getByText('Address must be an IP address or a CIDR block (192.0.2.0/24, 2001:db8::/32)')).toBeTruthy();
    expect(screen.getByText('The shared secret must be at least 16 characters')).toBeTruthy();
    expect(server.mutations()).toEqual([]);
  });

  test('a generated secret and the password + code mode are what radius.add gets; the secret is then shown once', async () => {
    server.trpc('radius.add', (input) => view({ ...(input as Partial<RadiusClientView>), id: 'r2' }));
    renderConsole(<RadiusClientModal opened editing={null} onClose={() => {}} />);
    fireEvent.change(screen.getByLabelText(/^Name/), { target: { value: 'OpenVPN' } });
    fireEvent.change(screen.getByLabelText(/^Source address/), { target: { value: '198.51.100.0/24' } });
    fireEvent.click(screen.getByRole('button', { name: 'Generate secret' }));
    fireEvent.click(screen.getByRole('radio', { name: /^Password \+ code/ }));
    fireEvent.click(screen.getByRole('button', { name: 'Add client' }));
    const shown = (await screen.findByTestId('radius-secret')).textContent!;
    expect(shown).toMatch(/^[\w-]{32}$/);
    expect(server.inputsOf('radius.add')).toEqual([
      { name: 'OpenVPN', address: '198.51.100.0/24', secret: shown, mode: 'password_code', requireMessageAuthenticator: true },
    ]);
  });

  test('editing without a secret keeps the stored one (no secret sent) and closes', async () => {
    server.trpc('radius.update', (input) => view(input as Partial<RadiusClientView>));
    const onClose = vi.fn();
    renderConsole(<RadiusClientModal opened editing={view()} onClose={onClose} />);
    expect((screen.getByLabelText(/^Shared secret/) as HTMLInputElement).value).toBe('');
    fireEvent.click(screen.getByRole('switch', { name: /^Require Message-Authenticator/ }));
    fireEvent.click(screen.getByRole('button', { name: 'Save' }));
    await waitFor(() => expect(onClose).toHaveBeenCalled());
    expect(server.inputsOf('radius.update')).toEqual([
      { id: 'r1', name: 'Office VPN', address: '192.0.2.10', mode: 'code', requireMessageAuthenticator: false },
    ]);
    expect(screen.queryByTestId('radius-secret')).toBeNull();
  });
});
