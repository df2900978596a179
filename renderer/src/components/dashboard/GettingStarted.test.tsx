// @vitest-environment happy-dom
import { fireEvent, screen, waitFor, within } from '@testing-library/react';
import { beforeEach, describe, expect, test } from 'vitest';
import type { GettingStarted as Checklist } from '../../../../shared/schemas/gettingStarted';
import { useFakeTessera } from '../../testing/fakeTessera';
import { renderConsole, TEST_ADMIN } from '../../testing/render';
import { GettingStarted } from './GettingStarted';

const server = useFakeTessera();

const twoDone: Checklist = {
  complete: false,
  steps: [
    { step: 'issuer', done: true },
    { step: 'methods', done: false },
    { step: 'users', done: true },
    { step: 'bulkUsers', done: false },
    { step: 'apiClient', done: false },
    { step: 'firstVerify', done: false },
  ],
};

beforeEach(() => window.localStorage.clear());

describe('GettingStarted', () => {
  test('an administrator sees each step ticked as the server says, with links to where the open ones are done', async () => {
    server.trpc('dashboard.gettingStarted', () => twoDone);
    renderConsole(<GettingStarted />);
    const list = await screen.findByTestId('getting-started');
    expect(list.textContent).toContain('2 of 6 done');
    expect(within(screen.getByTestId('step-issuer')).getByText(/\(done\)/)).toBeTruthy();
    expect(within(screen.getByTestId('step-issuer')).queryAllByRole('link')).toHaveLength(0);
    const apiClient = within(screen.getByTestId('step-apiClient')).getByRole('link', { name: 'Create an API client' });
    expect(apiClient.getAttribute('href')).toBe('/api-clients');
    const bulk = within(screen.getByTestId('step-bulkUsers')).getAllByRole('link');
    expect(bulk.map((a) => a.getAttribute('href'))).toEqual(['/directory', '/users']);
  });

  test('an auditor sees how far setup is, without the links (an administrator does the steps)', async () => {
    server.trpc('dashboard.gettingStarted', () => twoDone);
    renderConsole(<GettingStarted />, { operator: { ...TEST_ADMIN, id: 'op-audit', role: 'auditor' } });
    const list = await screen.findByTestId('getting-started');
    expect(list.textContent).toContain('An administrator does these steps');
    expect(within(list).queryAllByRole('link')).toHaveLength(0);
  });

  test('hidden: gone, remembered for this operator in this browser, and not even asked for again', async () => {
    server.trpc('dashboard.gettingStarted', () => twoDone);
    const { unmount } = renderConsole(<GettingStarted />);
    fireEvent.click(await screen.findByRole('button', { name: 'Hide the getting-started checklist' }));
    await waitFor(() => expect(screen.queryByTestId('getting-started')).toBeNull());
    unmount();
    const asked = server.inputsOf('dashboard.gettingStarted').length;
    renderConsole(<GettingStarted />);
    await new Promise((r) => setTimeout(r, 50));
    expect(screen.queryByTestId('getting-started')).toBeNull();
    expect(server.inputsOf('dashboard.gettingStarted')).toHaveLength(asked);
    // Another operator in the same browser still sees it.
    renderConsole(<GettingStarted />, { operator: { ...TEST_ADMIN, id: 'op-other' } });
    expect(await screen.findByTestId('getting-started')).toBeTruthy();
  });

  test('every step done: no checklist', async () => {
    server.trpc('dashboard.gettingStarted', () => ({ complete: true, steps: twoDone.steps.map((s) => ({ ...s, done: true })) }));
    renderConsole(<GettingStarted />);
    await waitFor(() => expect(server.inputsOf('dashboard.gettingStarted').length).toBeGreaterThan(0));
    await new Promise((r) => setTimeout(r, 50));
    expect(screen.queryByTestId('getting-started')).toBeNull();
  });
});
