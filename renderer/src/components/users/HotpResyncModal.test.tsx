// @vitest-environment happy-dom
import { fireEvent, screen, waitFor, within } from '@testing-library/react';
import { describe, expect, test } from 'vitest';
import { TrpcRefusal, useFakeTessera } from '../../testing/fakeTessera';
import { renderConsole } from '../../testing/render';
import { HotpResyncModal } from './HotpResyncModal';

const server = useFakeTessera();

const type = (label: string, value: string) => fireEvent.change(screen.getByLabelText(label), { target: { value } });
const submit = () => fireEvent.click(screen.getByRole('button', { name: 'Resynchronise' }));

describe('HotpResyncModal', () => {
  test('codes that are not 6–8 digits show on their fields and nothing is sent', async () => {
    renderConsole(<HotpResyncModal username="grace" factorId="f1" onClose={() => {}} />);
    type('First code', '12');
    submit();
    expect(await screen.findByText('code1 must be 6–8 digits')).toBeTruthy();
    expect(screen.getByText('code2 must be 6–8 digits')).toBeTruthy();
    expect(server.mutations()).toEqual([]);
  });

  test('two codes (spaces removed) send users.resyncHotp for the factor, then close', async () => {
    const closed: string[] = [];
    server.trpc('users.resyncHotp', () => ({ ok: true }));
    renderConsole(<HotpResyncModal username="grace" factorId="f1" onClose={() => closed.push('closed')} />);
    type('First code', '123 456');
    type('Next code', '654321');
    submit();
    await waitFor(() => expect(closed).toEqual(['closed']));
    expect(server.mutations().map((c) => [c.name, c.input])).toEqual([
      ['users.resyncHotp', { username: 'grace', factorId: 'f1', code1: '123456', code2: '654321' }],
    ]);
    expect(await screen.findByText('The HOTP token of grace is back in step.')).toBeTruthy();
  });

  test('codes the server cannot place show its message and the dialog stays', async () => {
    const closed: string[] = [];
    server.trpc('users.resyncHotp', () => {
      throw new TrpcRefusal('These codes are not two consecutive codes of this token', { tesseraCode: 'invalid_code' });
    });
    renderConsole(<HotpResyncModal username="grace" factorId="f1" onClose={() => closed.push('closed')} />);
    type('First code', '111111');
    type('Next code', '222222');
    submit();
    expect((await within(screen.getByRole('dialog')).findByRole('alert')).textContent).toBe('These codes are not two consecutive codes of this token');
    expect(closed).toEqual([]);
  });
});
