// @vitest-environment happy-dom
import { fireEvent, screen, waitFor, within } from '@testing-library/react';
import { describe, expect, test } from 'vitest';
import { useTRPCClient } from '../../api/trpc';
import { TrpcRefusal, useFakeTessera } from '../../testing/fakeTessera';
import { renderConsole } from '../../testing/render';
import { ReasonConfirmModal } from './ReasonConfirmModal';

const server = useFakeTessera();

/** As the user page uses it: the reason goes to the server with the action. */
function ResetDevice({ onClose }: { onClose: () => void }) {
  const client = useTRPCClient();
  return (
    <ReasonConfirmModal
      opened
      onClose={onClose}
      title="Reset grace’s devices"
      confirmLabel="Reset devices"
      typeToConfirm="grace"
      onConfirm={(reason) => client.users.reset.mutate({ username: 'grace', reason })}
    >
      All of grace’s factors are removed.
    </ReasonConfirmModal>
  );
}

const submit = () => fireEvent.click(screen.getByRole('button', { name: 'Reset devices' }));

describe('ReasonConfirmModal', () => {
  test('no reason and the name not typed back: both say so and nothing is sent', async () => {
    renderConsole(<ResetDevice onClose={() => {}} />);
    submit();
    expect(await screen.findByText('Give a reason: it is kept in the audit log')).toBeTruthy();
    expect(screen.getByText('Type grace to confirm')).toBeTruthy();
    expect(server.mutations()).toEqual([]);
  });

  test('a reason and the name typed back send the action with the reason, then close', async () => {
    const closed: string[] = [];
    server.trpc('users.reset', () => ({ removed: 2 }));
    renderConsole(<ResetDevice onClose={() => closed.push('closed')} />);
    fireEvent.change(screen.getByLabelText(/^Reason/), { target: { value: 'ticket #4711: phone lost' } });
    fireEvent.change(screen.getByLabelText(/^Type grace to confirm/), { target: { value: 'grace' } });
    submit();
    await waitFor(() => expect(closed).toEqual(['closed']));
    expect(server.mutations().map((c) => [c.name, c.input])).toEqual([['users.reset', { username: 'grace', reason: 'ticket #4711: phone lost' }]]);
  });

  test('a refusal of the whole action shows in the dialog, which stays open', async () => {
    const closed: string[] = [];
    server.trpc('users.reset', () => {
      throw new TrpcRefusal('This is not allowed', { code: 'FORBIDDEN', httpStatus: 403, tesseraCode: 'forbidden' });
    });
    renderConsole(<ResetDevice onClose={() => closed.push('closed')} />);
    fireEvent.change(screen.getByLabelText(/^Reason/), { target: { value: 'ticket #4711' } });
    fireEvent.change(screen.getByLabelText(/^Type grace to confirm/), { target: { value: 'grace' } });
    submit();
    expect((await within(screen.getByRole('dialog')).findByRole('alert')).textContent).toBe('This is not allowed');
    expect(closed).toEqual([]);
  });
});
