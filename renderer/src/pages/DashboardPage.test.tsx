// @vitest-environment happy-dom
import { act, fireEvent, screen } from '@testing-library/react';
import { afterEach, describe, expect, test, vi } from 'vitest';
import { useFakeTessera } from '../testing/fakeTessera';
import { renderConsole } from '../testing/render';
import { DashboardPage } from './DashboardPage';

const server = useFakeTessera();

const day = {
  enrollments: 0,
  verifySuccess: 0,
  verifyFailure: 0,
  throttled: 0,
  lockouts: 0,
  securityKeySuccess: 0,
  securityKeyFailure: 0,
  codeSent: 0,
  codeNotDelivered: 0,
};

afterEach(() => vi.useRealTimers());

describe('DashboardPage', () => {
  test('refreshes every minute while someone uses the console, and stops once it has been left alone for 5 minutes', async () => {
    vi.useFakeTimers({ shouldAdvanceTime: true });
    server.trpc('dashboard.stats', () => ({
      users: 3,
      usersWithoutFactor: 0,
      pendingEnrollments: 0,
      usersWithSecurityKey: 0,
      days: [{ day: '2026-01-05', ...day }],
    }));
    server.trpc('dashboard.gettingStarted', () => ({ complete: true, steps: [] }));
    renderConsole(<DashboardPage />, { path: '/dashboard' });
    await screen.findByText('Verifications per day');
    const asked = () => server.inputsOf('dashboard.stats').length;
    const first = asked();
    // Someone is there: a key now and then; a refresh each minute.
    for (let minute = 0; minute < 3; minute++) {
      fireEvent.keyDown(document, { key: 'Shift' });
      await act(() => vi.advanceTimersByTimeAsync(60_000));
    }
    expect(asked()).toBe(first + 3);
    // Nobody: after 5 minutes without input the refreshes stop, so the session can reach its idle timeout.
    await act(() => vi.advanceTimersByTimeAsync(6 * 60_000));
    const whenIdle = asked();
    await act(() => vi.advanceTimersByTimeAsync(10 * 60_000));
    expect(asked()).toBe(whenIdle);
    expect(whenIdle).toBeLessThanOrEqual(first + 3 + 6); // at most one a minute until then
  });
});
