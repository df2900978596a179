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

/** Opens a Mantine Select by its label and clicks the option. */
async function choose(label: RegExp, option: RegExp) {
  fireEvent.click(screen.getAllByLabelText(label)[0]!);
  fireEvent.click(await screen.findByRole('option', { name: option }));
}

const fill = () => {
  type(/^Server URL/, 'ldaps://dc1.example.org');
  type(/^Bind DN/, 'cn=tessera,dc=example,dc=org');
  type(/^Bind password/, 'secret');
  type(/^Base DN/, 'dc=example,dc=org');
};

describe('ConnectionForm: the attribute map, the role mapping and the page size', () => {
  test('edited in the form, sent as the schema types them: a custom map, the page size, the mapping lines in order', async () => {
    server.trpc('directory.set', () => null);
    server.trpc('directory.get', () => null);
    renderConsole(<ConnectionForm view={null} canEdit />, { path: '/directory' });
    fill();
    await choose(/^Directory type/, /OpenLDAP/);
    expect((screen.getAllByLabelText(/^Username attribute/)[0] as HTMLInputElement).value).toBe('uid');
    type(/^Email attribute/, 'mailPrimaryAddress');
    type(/^Phone attribute/, '');
    // A field changed: the map is no longer the preset's.
    expect((screen.getAllByLabelText(/^Directory type/)[0] as HTMLInputElement).value).toBe('');
    await choose(/^Disabled when/, /^Value matches/);
    type(/^Disabled attribute/, 'employeeType');
    type(/^Disabled value/, 'disabled');
    await choose(/^Groups from/, /^memberOf/);
    type(/^Search page size/, '1000');
    fireEvent.click(screen.getByRole('button', { name: 'Add a line' }));
    fireEvent.click(screen.getByRole('button', { name: 'Add a line' }));
    type(/^Group of line 1/, 'cn=Tessera-Admins,ou=groups,dc=example,dc=org');
    await choose(/^Role of line 1/, /^Admin/);
    type(/^Group of line 2/, 'Helpdesk');
    save();
    await waitFor(() => expect(server.inputsOf('directory.set')).toHaveLength(1));
    const sent = server.inputsOf('directory.set')[0] as Record<string, unknown>;
    expect(sent.attributes).toEqual({
      preset: 'custom',
      username: 'uid',
      displayName: 'cn',
      email: 'mailPrimaryAddress',
      phone: null,
      disabled: { kind: 'equals', attribute: 'employeeType', value: 'disabled' },
      groups: { kind: 'memberOf', attribute: 'memberOf' },
    });
    expect(sent.pageSize).toBe(1000);
    expect(sent.roleMapping).toEqual([
      { group: 'cn=Tessera-Admins,ou=groups,dc=example,dc=org', role: 'admin' },
      { group: 'Helpdesk', role: 'helpdesk' },
    ]);
  });

  test('a field back at the preset’s value makes the map the preset again', async () => {
    renderConsole(<ConnectionForm view={null} canEdit />, { path: '/directory' });
    const presetBox = () => (screen.getAllByLabelText(/^Directory type/)[0] as HTMLInputElement).value;
    expect(presetBox()).toBe('Active Directory');
    type(/^Disabled bit/, '0x10');
    expect(presetBox()).toBe('');
    type(/^Disabled bit/, '2');
    expect(presetBox()).toBe('Active Directory');
  });

  test('wrong map, mapping and page size: each field says what is wrong in words, and nothing is sent', async () => {
    renderConsole(<ConnectionForm view={null} canEdit />, { path: '/directory' });
    fill();
    type(/^Username attribute/, '');
    type(/^Email attribute/, 'e mail');
    type(/^Disabled bit/, 'two');
    type(/^Search page size/, '5');
    fireEvent.click(screen.getByRole('button', { name: 'Add a line' }));
    save();
    expect(await screen.findByText('The username attribute is required')).toBeTruthy();
    expect(screen.getByText('An attribute name is letters, digits and dashes (e.g. sAMAccountName)')).toBeTruthy();
    expect(screen.getByText('The mask must be a number, such as 2 or 0x2')).toBeTruthy();
    expect(screen.getByText('Page size must be at least 10')).toBeTruthy();
    expect(screen.getByText('Group must not be empty')).toBeTruthy();
    expect(server.mutations()).toEqual([]);

    // Fixing a field drops its message only; a removed line takes its message with it.
    type(/^Search page size/, 'ten');
    expect(screen.queryByText('Page size must be at least 10')).toBeNull();
    expect(screen.getByText('The username attribute is required')).toBeTruthy();
    fireEvent.click(screen.getByRole('button', { name: 'Remove line 1' }));
    expect(screen.queryByText('Group must not be empty')).toBeNull();
    save();
    expect(await screen.findByText('Page size must be a number')).toBeTruthy();
    expect(server.mutations()).toEqual([]);
  });

  test('read-only for an auditor: the stored map, mapping and page size are shown, nothing can be added', () => {
    renderConsole(
      <ConnectionForm
        view={{
          url: 'ldaps://dc1.example.org',
          tls: 'ldaps',
          caCertificate: null,
          bindDn: 'cn=tessera,dc=example,dc=org',
          baseDn: 'dc=example,dc=org',
          userFilter: '(objectClass=inetOrgPerson)',
          attributes: {
            preset: 'custom',
            username: 'uid',
            displayName: null,
            email: 'mail',
            phone: null,
            disabled: { kind: 'present', attribute: 'pwdAccountLockedTime' },
            groups: { kind: 'groupSearch', baseDn: 'ou=groups,dc=example,dc=org', filter: '(objectClass=groupOfNames)', memberAttribute: 'member' },
          },
          pageSize: 250,
          timeoutMs: 15_000,
          syncEveryMinutes: null,
          graceDays: 30,
          guardPercent: 10,
          roleMapping: [{ group: 'Tessera-Auditors', role: 'auditor' }],
          hasPassword: true,
          updatedAt: '2026-01-01T00:00:00.000Z',
          lastSync: null,
        }}
        canEdit={false}
      />,
      { path: '/directory' },
    );
    const value = (label: RegExp) => (screen.getAllByLabelText(label)[0] as HTMLInputElement).value;
    expect(value(/^Disabled attribute/)).toBe('pwdAccountLockedTime');
    expect(value(/^Group base DN/)).toBe('ou=groups,dc=example,dc=org');
    expect(value(/^Search page size/)).toBe('250');
    expect(value(/^Group of line 1/)).toBe('Tessera-Auditors');
    expect(value(/^Role of line 1/)).toBe('Auditor');
    expect((screen.getAllByLabelText(/^Group of line 1/)[0] as HTMLInputElement).readOnly).toBe(true);
    expect(screen.queryByRole('button', { name: 'Add a line' })).toBeNull();
    expect(screen.queryByRole('button', { name: /^Remove line/ })).toBeNull();
  });
});
