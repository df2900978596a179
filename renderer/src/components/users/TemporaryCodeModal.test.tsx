// @vitest-environment happy-dom
import { fireEvent, screen, waitFor } from '@testing-library/react';
import { useState } from 'react';
import { describe, expect, test } from 'vitest';
import { TrpcRefusal, useFakeTessera } from '../../testing/fakeTessera';
import { renderConsole } from '../../testing/render';
import { TemporaryCodeModal } from './TemporaryCodeModal';

const server = useFakeTessera();

/** The page's side: a button opens the dialog, Done closes it. */
function Harness() {
  const [opened, setOpened] = useState(true);
  return (
    <>
      <button type="button" onClick={() => setOpened(true)}>
        Open
      </button>
      <TemporaryCodeModal username="grace" displayName="Grace Hopper" opened={opened} onClose={() => setOpened(false)} />
    </>
  );
}

const open = () => renderConsole(<Harness />, { path: '/users/grace' });
const issued = { code: '4821 0937 5521', expiresAt: '2026-01-01T08:00:00.000Z', uses: 1 };

describe('TemporaryCodeModal', () => {
  test('a reason is required and nothing is sent without one', async () => {
    open();
    fireEvent.click(screen.getByRole('button', { name: 'Issue code' }));
    expect(await screen.findByText('Give a reason: it is kept in the audit log')).toBeTruthy();
    expect(server.mutations()).toEqual([]);
  });

  test('more hours than the setting allows is refused on the field (admins read the setting)', async () => {
    server.trpc('settings.userPageOptions', () => ({ methods: {}, temporaryCodeMaxHours: 24 }));
    open();
    expect(await screen.findByText('At most 24')).toBeTruthy();
    fireEvent.change(screen.getByLabelText(/^Reason/), { target: { value: 'ticket #1: phone lost' } });
    fireEvent.change(screen.getByLabelText(/^Works for/), { target: { value: '48' } });
    fireEvent.click(screen.getByRole('button', { name: 'Issue code' }));
    expect(await screen.findByText('A temporary code may live at most 24 hours (Settings → Methods)')).toBeTruthy();
    expect(server.mutations()).toEqual([]);
  });

  test("the server's field refusal shows on that field", async () => {
    server.trpc('users.issueTemporaryCode', () => {
      throw new TrpcRefusal('A temporary code may live at most 12 hours (Settings → Methods)', {
        fields: [{ path: 'hours', message: 'A temporary code may live at most 12 hours (Settings → Methods)' }],
      });
    });
    open();
    fireEvent.change(screen.getByLabelText(/^Reason/), { target: { value: 'ticket #1: phone lost' } });
    fireEvent.click(screen.getByRole('button', { name: 'Issue code' }));
    expect(await screen.findByText('A temporary code may live at most 12 hours (Settings → Methods)')).toBeTruthy();
    expect(screen.getByLabelText(/^Works for/).getAttribute('aria-invalid')).toBe('true');
  });

  test('the code is shown once, with a print card, and is gone from the page after Done', async () => {
    server.trpc('users.issueTemporaryCode', () => issued);
    open();
    fireEvent.change(screen.getByLabelText(/^Reason/), { target: { value: 'ticket #4711: phone lost' } });
    fireEvent.click(screen.getByRole('button', { name: 'Issue code' }));
    expect((await screen.findByTestId('temporary-code')).textContent).toBe('4821 0937 5521');
    expect(server.inputsOf('users.issueTemporaryCode')).toEqual([{ username: 'grace', code: { reason: 'ticket #4711: phone lost', hours: 8, uses: 1 } }]);
    expect(screen.getByText(/It stops working when the user confirms a new factor/)).toBeTruthy();
    const card = screen.getByTestId('temporary-print-card');
    expect(card.textContent).toContain('Grace Hopper (grace)');
    expect(card.textContent).toContain('4821 0937 5521');

    fireEvent.click(screen.getByRole('button', { name: 'Done' }));
    await waitFor(() => expect(document.body.textContent).not.toContain('4821 0937 5521'));
    expect(screen.queryByTestId('temporary-print-card')).toBeNull();
    // Opened again: the form, not the old code.
    fireEvent.click(screen.getByRole('button', { name: 'Open' }));
    expect(await screen.findByRole('button', { name: 'Issue code' })).toBeTruthy();
    expect(document.body.textContent).not.toContain('4821 0937 5521');
  });
});
