// @vitest-environment happy-dom
import { fireEvent, screen, waitFor } from '@testing-library/react';
import { describe, expect, test } from 'vitest';
import { CSRF_HEADER, CSRF_VALUE } from '../../../../shared/consoleHeaders';
import { TrpcRefusal, useFakeTessera } from '../../testing/fakeTessera';
import { renderConsole } from '../../testing/render';
import { CreateUserModal } from './CreateUserModal';

const server = useFakeTessera();

function open() {
  renderConsole(<CreateUserModal opened onClose={() => {}} />, { path: '/users' });
}
const type = (label: RegExp, value: string) => fireEvent.change(screen.getByLabelText(label), { target: { value } });
const submit = () => fireEvent.click(screen.getByRole('button', { name: 'Create user' }));

describe('CreateUserModal', () => {
  test('an empty username shows its message on the field and sends nothing', async () => {
    open();
    submit();
    expect(await screen.findByText('Username must not be empty')).toBeTruthy();
    expect(server.mutations()).toEqual([]);
  });

  test("a bad email shows the email field's message and sends nothing", async () => {
    open();
    type(/^Username/, 'grace');
    type(/^Email/, 'not an email');
    submit();
    expect(await screen.findByText('Email is not a valid address')).toBeTruthy();
    expect(screen.getByLabelText(/^Email/).getAttribute('aria-invalid')).toBe('true');
    expect(screen.getByLabelText(/^Username/).getAttribute('aria-invalid')).not.toBe('true');
    expect(server.mutations()).toEqual([]);
  });

  test("good input sends users.create with the CSRF header, then opens the new user's page", async () => {
    server.trpc('users.create', (input) => ({ ...(input as object), id: 'u1' }));
    server.trpc('users.list', () => ({ users: [], total: 0 }));
    open();
    type(/^Username/, 'grace');
    type(/^Display name/, 'Grace Hopper');
    submit();
    await waitFor(() => expect(screen.getByTestId('location').textContent).toBe('/users/grace'));
    const [sent] = server.mutations();
    expect(sent?.name).toBe('users.create');
    // Blank email left out, as the shared schema wants.
    expect(sent?.input).toEqual({ username: 'grace', displayName: 'Grace Hopper' });
    expect(sent?.headers[CSRF_HEADER]).toBe(CSRF_VALUE);
    expect(await screen.findByText('grace was added. Enroll a factor next.')).toBeTruthy();
  });

  test("the server's field refusal shows on that field", async () => {
    server.trpc('users.create', () => {
      throw new TrpcRefusal('A user with this username exists', {
        code: 'CONFLICT',
        httpStatus: 409,
        tesseraCode: 'conflict',
        fields: [{ path: 'username', message: 'That username is taken' }],
      });
    });
    open();
    type(/^Username/, 'grace');
    submit();
    expect(await screen.findByText('That username is taken')).toBeTruthy();
    expect(screen.getByTestId('location').textContent).toBe('/users');
  });
});
