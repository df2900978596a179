// @vitest-environment happy-dom
import { fireEvent, screen } from '@testing-library/react';
import { describe, expect, test } from 'vitest';
import { useFakeTessera } from '../../testing/fakeTessera';
import { renderConsole } from '../../testing/render';
import { CreateApiClientModal } from './CreateApiClientModal';

const server = useFakeTessera();

const submit = () => fireEvent.click(screen.getByRole('button', { name: 'Create key' }));

describe('CreateApiClientModal', () => {
  test('no name and no scope: both say so and nothing is sent', async () => {
    renderConsole(<CreateApiClientModal opened onClose={() => {}} />);
    // "Verify codes" is ticked to start with: untick it.
    fireEvent.click(screen.getByRole('checkbox', { name: /^Verify codes/ }));
    submit();
    expect(await screen.findByText('Name must not be empty')).toBeTruthy();
    expect(screen.getByText('Choose at least one scope')).toBeTruthy();
    expect(server.mutations()).toEqual([]);
  });

  test('good input sends apiKeys.create with the ticked scopes, then shows the key once', async () => {
    server.trpc('apiKeys.create', (input) => ({
      id: 'k1',
      name: (input as { name: string }).name,
      scopes: (input as { scopes: string[] }).scopes,
      key: 'tsk_test_0123456789abcdef',
      createdAt: '2026-01-01T00:00:00.000Z',
    }));
    renderConsole(<CreateApiClientModal opened onClose={() => {}} />);
    fireEvent.change(screen.getByLabelText(/^Name/), { target: { value: 'Intranet sign-in' } });
    fireEvent.click(screen.getByRole('checkbox', { name: /^Provision users and factors/ }));
    submit();
    expect((await screen.findByTestId('new-api-key')).textContent).toBe('tsk_test_0123456789abcdef');
    expect(server.mutations().map((c) => c.name)).toEqual(['apiKeys.create']);
    const sent = server.inputsOf('apiKeys.create')[0] as { name: string; scopes: string[] };
    expect({ ...sent, scopes: [...sent.scopes].sort() }).toEqual({ name: 'Intranet sign-in', scopes: ['provision', 'verify'] });
    expect(screen.getByRole('button', { name: 'I have stored the key' })).toBeTruthy();
  });
});
