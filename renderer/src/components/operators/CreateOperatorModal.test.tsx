// @vitest-environment happy-dom
import { fireEvent, screen, waitFor } from '@testing-library/react';
import { describe, expect, test } from 'vitest';
import { TrpcRefusal, useFakeTessera } from '../../testing/fakeTessera';
import { renderConsole } from '../../testing/render';
import { CreateOperatorModal } from './CreateOperatorModal';

const server = useFakeTessera();

const type = (label: RegExp, value: string) => fireEvent.change(screen.getByLabelText(label), { target: { value } });
const submit = () => fireEvent.click(screen.getByRole('button', { name: 'Add operator' }));

describe('CreateOperatorModal', () => {
  test('no username and no password: both fields say so and nothing is sent', async () => {
    renderConsole(<CreateOperatorModal opened onClose={() => {}} />);
    submit();
    expect(await screen.findByText('Username must not be empty')).toBeTruthy();
    expect(screen.getByText('Password is required')).toBeTruthy();
    expect(server.mutations()).toEqual([]);
  });

  test('good input sends operators.create with the chosen role, then closes', async () => {
    const closed: string[] = [];
    server.trpc('operators.create', () => ({
      id: 'op2',
      username: 'hank',
      displayName: 'Hank Help',
      role: 'auditor',
      status: 'pending',
      createdAt: '2026-01-01T00:00:00.000Z',
    }));
    renderConsole(<CreateOperatorModal opened onClose={() => closed.push('closed')} />);
    type(/^Username/, 'hank');
    type(/^Display name/, 'Hank Help');
    fireEvent.click(screen.getByRole('radio', { name: /^Auditor/ }));
    type(/^Starting password/, 'a long enough password');
    submit();
    await waitFor(() => expect(closed).toEqual(['closed']));
    expect(server.mutations().map((c) => [c.name, c.input])).toEqual([
      ['operators.create', { username: 'hank', role: 'auditor', password: 'a long enough password', displayName: 'Hank Help' }],
    ]);
    expect(await screen.findByText('hank added as Auditor')).toBeTruthy();
  });

  test('a password the server refuses shows its message on the password field and the dialog stays', async () => {
    server.trpc('operators.create', () => {
      throw new TrpcRefusal('Invalid input', { fields: [{ path: 'password', message: 'Use at least 12 characters' }] });
    });
    const closed: string[] = [];
    renderConsole(<CreateOperatorModal opened onClose={() => closed.push('closed')} />);
    type(/^Username/, 'hank');
    type(/^Starting password/, 'short');
    submit();
    expect(await screen.findByText('Use at least 12 characters')).toBeTruthy();
    expect(server.inputsOf('operators.create')).toEqual([{ username: 'hank', role: 'helpdesk', password: 'short' }]);
    expect(closed).toEqual([]);
  });
});
