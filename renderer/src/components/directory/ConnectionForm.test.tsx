// @vitest-environment happy-dom
import { fireEvent, screen, waitFor } from '@testing-library/react';
import { describe, expect, test } from 'vitest';
import { useFakeTessera } from '../../testing/fakeTessera';
import { renderConsole } from '../../testing/render';
import { ConnectionForm } from './ConnectionForm';

const server = useFakeTessera();

const type = (label: RegExp, value: string) => fireEvent.change(screen.getAllByLabelText(label)[0]!, { target: { value } });
const save = () => fireEvent.click(screen.getByRole('button', { name: 'Save' }));

describe('ConnectionForm', () => {
  test('says what is wrong in words, field by field (the shared schema), and sends nothing', async () => {
    renderConsole(<ConnectionForm view={null} canEdit />, { path: '/directory' });
    type(/^Server URL/, 'http://dc1.example.org');
    type(/^Base DN/, 'example.org');
    type(/^User filter/, 'objectClass=person');
    type(/^Grace period/, 'soon');
    save();
    expect(await screen.findByText(/URL must be ldap:\/\/host\[:port\] or ldaps:\/\/host\[:port\]/)).toBeTruthy();
    expect(screen.getByText('Bind DN must not be empty')).toBeTruthy();
    expect(screen.getByText('Base DN must be a DN such as dc=example,dc=org')).toBeTruthy();
    expect(screen.getByText(/User filter must be an LDAP filter in parentheses/)).toBeTruthy();
    expect(screen.getByText('Days must be a number')).toBeTruthy();
    expect(server.mutations()).toEqual([]);
  });

  test('an ldap:// URL with TLS "ldaps" is refused on the TLS field; a good form is sent with the password', async () => {
    server.trpc('directory.set', () => null);
    server.trpc('directory.get', () => null);
    renderConsole(<ConnectionForm view={null} canEdit />, { path: '/directory' });
    type(/^Server URL/, 'ldap://dc1.example.org');
    type(/^Bind DN/, 'cn=tessera,dc=example,dc=org');
    type(/^Base DN/, 'dc=example,dc=org');
    save();
    expect(await screen.findByText(/ldaps:\/\/ goes with TLS "ldaps"/)).toBeTruthy();
    expect(server.mutations()).toEqual([]);
    type(/^Server URL/, 'ldaps://dc1.example.org');
    type(/^Bind DN/, 'cn=tessera,dc=example,dc=org');
    type(/^Bind password/, 'secret');
    type(/^Base DN/, 'dc=example,dc=org');
    save();
    await waitFor(() => expect(server.inputsOf('directory.set')).toHaveLength(1));
    const sent = server.inputsOf('directory.set')[0] as Record<string, unknown>;
    expect(sent).toMatchObject({ url: 'ldaps://dc1.example.org', tls: 'ldaps', bindPassword: 'secret', graceDays: 30, guardPercent: 10 });
  });
});
