// @vitest-environment happy-dom
import { act, fireEvent, screen, waitFor } from '@testing-library/react';
import { afterEach, describe, expect, test, vi } from 'vitest';
import { useFakeTessera } from '../../testing/fakeTessera';
import { renderConsole } from '../../testing/render';
import { IdleWarning } from './IdleWarning';

const server = useFakeTessera();
const MIN = 60_000;
const times = (idleRemainingMs: number, absoluteRemainingMs = 600 * MIN) => ({
  idleTimeoutMs: 30 * MIN,
  idleRemainingMs,
  absoluteRemainingMs,
  touchEveryMs: 30_000,
});

afterEach(() => {
  vi.useRealTimers();
  vi.restoreAllMocks();
  window.localStorage.clear();
});

describe('IdleWarning', () => {
  test('two minutes before the idle end it counts down; Stay signed in asks the server and the warning goes', async () => {
    vi.useFakeTimers({ shouldAdvanceTime: true });
    server.trpc('auth.session', () => times(30 * MIN));
    server.trpc('auth.staySignedIn', () => times(30 * MIN));
    renderConsole(<IdleWarning />);
    await waitFor(() => expect(server.inputsOf('auth.session')).toHaveLength(1));
    // The end is 30 minutes after that answer: no warning at 2:10 before it, one at 1:55.
    await act(() => vi.advanceTimersByTimeAsync(27 * MIN + 50_000));
    expect(screen.queryByRole('dialog')).toBeNull();
    await act(() => vi.advanceTimersByTimeAsync(15_000));
    const dialog = await screen.findByRole('dialog', { name: 'Are you still there?' });
    expect(dialog.textContent).toMatch(/You will be signed out in 1:5\d/);
    fireEvent.click(screen.getByRole('button', { name: 'Stay signed in' }));
    await waitFor(() => expect(server.inputsOf('auth.staySignedIn')).toHaveLength(1));
    await waitFor(() => expect(screen.queryByRole('dialog')).toBeNull());
  });

  test('not yet near the end: no warning', async () => {
    server.trpc('auth.session', () => times(10 * MIN));
    renderConsole(<IdleWarning />);
    await waitFor(() => expect(server.inputsOf('auth.session')).toHaveLength(1));
    await act(() => new Promise((r) => setTimeout(r, 1100))); // one tick of its clock
    expect(screen.queryByRole('dialog')).toBeNull();
  });

  test('the 12-hour end: no Stay signed in, and closed it stays closed', async () => {
    server.trpc('auth.session', () => times(30 * MIN, 90_000));
    renderConsole(<IdleWarning />);
    const dialog = await screen.findByRole('dialog', { name: 'Your session is about to end' });
    expect(dialog.textContent).toContain('Sessions last 12 hours at most');
    expect(screen.queryByRole('button', { name: 'Stay signed in' })).toBeNull();
    fireEvent.keyDown(dialog, { key: 'Escape' });
    await waitFor(() => expect(screen.queryByRole('dialog')).toBeNull());
    await act(() => new Promise((r) => setTimeout(r, 1100)));
    expect(screen.queryByRole('dialog')).toBeNull();
  });

  test('at zero it signs out on the server and goes to the login page with the reason and the way back', async () => {
    const assign = vi.fn();
    vi.spyOn(window, 'location', 'get').mockReturnValue({ ...window.location, assign } as unknown as Location);
    vi.useFakeTimers({ shouldAdvanceTime: true });
    server.trpc('auth.session', () => times(30 * MIN));
    server.trpc('auth.logout', () => ({ ok: true }));
    renderConsole(<IdleWarning />, { path: '/users?q=ann' });
    await waitFor(() => expect(server.inputsOf('auth.session')).toHaveLength(1));
    // Left alone for an hour (longer than any request an earlier test recorded in this tab reaches).
    await act(() => vi.advanceTimersByTimeAsync(60 * MIN));
    await waitFor(() => expect(server.inputsOf('auth.logout')).toHaveLength(1));
    await waitFor(() => expect(assign).toHaveBeenCalledWith('/login?reason=idle&next=%2Fusers%3Fq%3Dann'));
  });
});
