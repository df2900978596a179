// @vitest-environment happy-dom
import { fireEvent, screen, waitFor, within } from '@testing-library/react';
import { describe, expect, test } from 'vitest';
import type { UserSummary } from '../../../shared/schemas/users';
import { TrpcRefusal, useFakeTessera } from '../testing/fakeTessera';
import { renderConsole, TEST_ADMIN } from '../testing/render';
import { UsersPage } from './UsersPage';

const server = useFakeTessera();

// happy-dom lays nothing out: give the list's scroll box a browser's size, so its virtualiser renders rows.
for (const [prop, size] of [
  ['clientHeight', 800],
  ['clientWidth', 1200],
] as const) {
  const base = Object.getOwnPropertyDescriptor(Element.prototype, prop) ?? Object.getOwnPropertyDescriptor(HTMLElement.prototype, prop);
  Object.defineProperty(HTMLElement.prototype, prop, {
    configurable: true,
    get(this: HTMLElement) {
      return this.dataset.testid === 'users-scroll' ? size : (base?.get?.call(this) ?? 0);
    },
  });
}

function user(username: string, status: UserSummary['status'], extra: Partial<UserSummary> = {}): UserSummary {
  return {
    username,
    displayName: null,
    email: null,
    phone: null,
    createdAt: '2026-01-01T00:00:00.000Z',
    hasActiveFactor: status.state === 'active',
    source: 'local',
    disabled: status.state === 'disabled',
    status,
    lastSignInAt: null,
    ...extra,
  };
}

const LOCK_END = new Date(Date.now() + 20 * 60_000);
const USERS = [
  user('chloé', { state: 'active', until: null }, { displayName: 'Chloé Martin', lastSignInAt: new Date(Date.now() - 5 * 60_000).toISOString() }),
  user('jmuller', { state: 'locked', until: LOCK_END.toISOString() }, { displayName: 'Jürgen Müller' }),
  user('sven', { state: 'throttled', until: new Date(Date.now() + 4000).toISOString() }),
  user('old', { state: 'disabled', until: null }),
  user('new', { state: 'noFactor', until: null }),
];

function answerList(items = USERS) {
  server.trpc('users.list', () => ({ items, nextCursor: null }));
  server.trpc('users.count', () => ({ users: items.length, usersWithoutFactor: 1 }));
}

const HELPDESK = { ...TEST_ADMIN, id: 'op-help', username: 'hal', role: 'helpdesk' as const };
const AUDITOR = { ...TEST_ADMIN, id: 'op-audit', username: 'aud', role: 'auditor' as const };

const lastListInput = () => server.inputsOf('users.list').at(-1) as Record<string, unknown>;
const location = () => screen.getByTestId('location').textContent;

/**
 * The page reads the browser's address when it changes its own (a quick second change must not undo the first):
 * keep window.location where the in-memory router is, as a browser router would.
 */
function open(path: string, operator?: typeof TEST_ADMIN) {
  window.history.replaceState(null, '', path);
  renderConsole(<UsersPage />, { path, ...(operator ? { operator } : {}) });
}
async function addressBecomes(path: string) {
  await waitFor(() => expect(location()).toBe(path));
  window.history.replaceState(null, '', path);
}

describe('UsersPage', () => {
  test('a status column in words: Active, Locked until hh:mm, Throttled, Disabled, No factor; last sign-in', async () => {
    answerList();
    open('/users');
    await screen.findByText('jmuller');
    const rows = screen.getAllByRole('row');
    const text = rows.map((r) => r.textContent);
    const hhmm = LOCK_END.toLocaleTimeString('en-GB', { hour: '2-digit', minute: '2-digit' });
    expect(text.find((t) => t?.includes('jmuller'))).toContain(`Locked until ${hhmm}`);
    expect(text.find((t) => t?.includes('chloé'))).toContain('Active');
    expect(text.find((t) => t?.includes('chloé'))).toContain('5 min ago');
    expect(text.find((t) => t?.includes('sven'))).toContain('Throttled');
    expect(text.find((t) => t?.includes('old'))).toContain('Disabled');
    expect(text.find((t) => t?.includes('new'))).toContain('No factor');
    expect(text.find((t) => t?.includes('new'))).toContain('Never');
  });

  test('the locked filter and the sort live in the address and reach the server', async () => {
    answerList();
    open('/users?locked=1&sort=created');
    await screen.findByText('jmuller');
    expect(lastListInput()).toMatchObject({ locked: true, sort: 'created', order: 'desc' });
    expect(screen.getByRole('columnheader', { name: /Created/ }).getAttribute('aria-sort')).toBe('descending');
    fireEvent.click(screen.getByRole('button', { name: /Created/ }));
    await addressBecomes('/users?locked=1&sort=created&order=asc');
    await waitFor(() => expect(lastListInput()).toMatchObject({ sort: 'created', order: 'asc' }));
    fireEvent.click(screen.getByRole('button', { name: /Display name/ }));
    await addressBecomes('/users?locked=1&sort=name');
    fireEvent.click(screen.getByRole('switch', { name: 'Locked or throttled' }));
    await addressBecomes('/users?sort=name');
    await waitFor(() => expect(lastListInput()).not.toHaveProperty('locked'));
    fireEvent.click(screen.getByRole('button', { name: /Username/ }));
    await addressBecomes('/users');
    fireEvent.click(screen.getByRole('button', { name: /Username/ }));
    await addressBecomes('/users?order=desc');
    await waitFor(() => expect(lastListInput()).toMatchObject({ sort: 'username', order: 'desc' }));
  });

  test('helpdesk: selects two users and resets them after typing the count; only reset is offered', async () => {
    answerList();
    server.trpc('users.bulkReset', (input) => ({
      action: 'reset',
      changed: (input as { usernames: string[] }).usernames,
      skipped: [],
      factorsRemoved: 3,
      recoveryCodesRemoved: 10,
    }));
    open('/users', HELPDESK);
    fireEvent.click(await screen.findByRole('checkbox', { name: 'Select chloé' }));
    fireEvent.click(screen.getByRole('checkbox', { name: 'Select jmuller' }));
    expect(screen.getByTestId('users-selected').textContent).toBe('2 selected users');
    expect(screen.queryByRole('button', { name: 'Disable…' })).toBeNull();
    expect(screen.queryByRole('button', { name: 'Print sheets…' })).toBeNull();
    fireEvent.click(screen.getByRole('button', { name: 'Reset lost device…' }));
    const dialog = await screen.findByRole('dialog');
    expect(within(dialog).getByTestId('bulk-names').textContent).toBe('chloéjmuller');
    fireEvent.change(within(dialog).getByLabelText(/^Reason/), { target: { value: 'ticket 12: phones stolen' } });
    fireEvent.click(within(dialog).getByRole('button', { name: 'Reset 2 users' }));
    expect(await within(dialog).findByText('Type reset 2 users to confirm')).toBeTruthy();
    expect(server.mutations()).toEqual([]);
    fireEvent.change(within(dialog).getByLabelText(/to confirm/), { target: { value: 'reset 2 users' } });
    fireEvent.click(within(dialog).getByRole('button', { name: 'Reset 2 users' }));
    await waitFor(() => expect(server.inputsOf('users.bulkReset')).toEqual([{ usernames: ['chloé', 'jmuller'], reason: 'ticket 12: phones stolen' }]));
    expect(await screen.findByText('2 users reset')).toBeTruthy();
    await waitFor(() => expect(screen.queryByTestId('users-selected')).toBeNull());
  });

  test('admin: disable names the skipped users; a refusal stays in the dialog', async () => {
    answerList();
    let calls = 0;
    server.trpc('users.bulkDisable', () => {
      calls++;
      if (calls === 1) throw new TrpcRefusal('No user named "old": nothing was changed', { code: 'NOT_FOUND', httpStatus: 404, tesseraCode: 'not_found' });
      return { action: 'disable', changed: ['new'], skipped: [{ username: 'old', reason: 'already_disabled' }], factorsRemoved: 0, recoveryCodesRemoved: 0 };
    });
    open('/users');
    await screen.findByText('jmuller');
    fireEvent.click(screen.getByRole('checkbox', { name: 'Select every loaded user' }));
    expect(screen.getByTestId('users-selected').textContent).toBe('5 selected users');
    fireEvent.click(screen.getByRole('checkbox', { name: 'Select chloé' }));
    fireEvent.click(screen.getByRole('checkbox', { name: 'Select jmuller' }));
    fireEvent.click(screen.getByRole('checkbox', { name: 'Select sven' }));
    fireEvent.click(screen.getByRole('button', { name: 'Disable…' }));
    const dialog = await screen.findByRole('dialog');
    fireEvent.change(within(dialog).getByLabelText(/^Reason/), { target: { value: 'left' } });
    fireEvent.click(within(dialog).getByRole('button', { name: 'Disable 2 users' }));
    expect(await within(dialog).findByText(/nothing was changed/)).toBeTruthy();
    fireEvent.click(within(dialog).getByRole('button', { name: 'Disable 2 users' }));
    expect(await screen.findByText(/Left as they were: old \(already disabled\)/)).toBeTruthy();
    expect(server.inputsOf('users.bulkDisable')).toEqual([
      { usernames: ['old', 'new'], reason: 'left' },
      { usernames: ['old', 'new'], reason: 'left' },
    ]);
  });

  test('a search whose first pages hold nobody yet keeps searching instead of saying nothing matches', async () => {
    const pages = [
      { items: [], nextCursor: 'c1' },
      { items: [], nextCursor: 'c2' },
      { items: [USERS[0]!], nextCursor: null },
    ];
    server.trpc('users.list', (input) => {
      const cursor = (input as { cursor?: string }).cursor;
      return pages[cursor === undefined ? 0 : cursor === 'c1' ? 1 : 2];
    });
    server.trpc('users.count', () => ({ users: 5, usersWithoutFactor: 1 }));
    open('/users?q=chloe');
    expect(await screen.findByText('chloé')).toBeTruthy();
    expect(server.inputsOf('users.list').map((i) => (i as { cursor?: string }).cursor)).toEqual([undefined, 'c1', 'c2']);
    expect(screen.queryByText(/No users match/)).toBeNull();
  });

  test('an auditor sees no selection', async () => {
    answerList();
    open('/users', AUDITOR);
    await screen.findByText('jmuller');
    expect(screen.queryByRole('checkbox', { name: /Select/ })).toBeNull();
  });
});
