// @vitest-environment happy-dom
import { fireEvent, screen, waitFor } from '@testing-library/react';
import { describe, expect, test } from 'vitest';
import { TrpcRefusal, useFakeTessera } from '../../testing/fakeTessera';
import { renderConsole } from '../../testing/render';
import { type EditableUser, EditUserModal } from './EditUserModal';

const server = useFakeTessera();

const USER: EditableUser = {
  username: 'grace',
  displayName: 'Grace Hopper',
  email: 'grace@example.org',
  phone: '+•• ••• ••• ••58',
};

function open(onClose: () => void = () => {}) {
  renderConsole(<EditUserModal user={USER} opened onClose={onClose} />, { path: '/users/grace' });
}
const save = () => fireEvent.click(screen.getByRole('button', { name: 'Save details' }));

describe('EditUserModal', () => {
  test('says factors keep their destination; a number without its country code is refused inline, nothing sent', async () => {
    open();
    expect(screen.getByText(/keep the address or number they were confirmed with/)).toBeTruthy();
    expect(screen.getByText(/On file: \+•• ••• ••• ••58/)).toBeTruthy();
    fireEvent.change(screen.getByLabelText(/^Phone/), { target: { value: '07911 123456' } });
    save();
    expect(await screen.findByText(/Phone number must include the country code/)).toBeTruthy();
    expect(server.mutations()).toEqual([]);
  });

  test('sends only what changed (a blank display name clears it); the number as E.164 (the shared schema normalises it)', async () => {
    const closed: string[] = [];
    server.trpc('users.update', () => USER);
    renderConsole(<EditUserModal user={USER} opened onClose={() => closed.push('closed')} />, { path: '/users/grace' });
    fireEvent.change(screen.getByLabelText(/^Display name/), { target: { value: '' } });
    fireEvent.change(screen.getByLabelText(/^Phone/), { target: { value: '+44 7911 123456' } });
    save();
    await waitFor(() => expect(closed).toEqual(['closed']));
    expect(server.inputsOf('users.update')).toEqual([{ username: 'grace', changes: { displayName: null, phone: '+447911123456' } }]);
  });

  test("the server's refusal shows on its field", async () => {
    server.trpc('users.update', () => {
      throw new TrpcRefusal('Invalid input', { fields: [{ path: 'changes.email', message: 'Email is already used by another user' }] });
    });
    open();
    fireEvent.change(screen.getByLabelText(/^Email/), { target: { value: 'ada@example.org' } });
    save();
    expect(await screen.findByText('Email is already used by another user')).toBeTruthy();
    expect(screen.getByLabelText(/^Email/).getAttribute('aria-invalid')).toBe('true');
  });
});
