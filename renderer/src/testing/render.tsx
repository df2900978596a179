import '../zodConfig';
import './dom';
import { MantineProvider } from '@mantine/core';
import { Notifications, notifications } from '@mantine/notifications';
import { QueryClientProvider } from '@tanstack/react-query';
import { cleanup, render, type RenderResult } from '@testing-library/react';
import type { ReactNode } from 'react';
import { MemoryRouter, useLocation } from 'react-router';
import { afterEach } from 'vitest';
import type { OperatorView } from '../../../shared/schemas/operators';
import { makeQueryClient, makeTrpcClient, TRPCProvider } from '../api/trpc';
import { OperatorProvider } from '../lib/session';
import { theme } from '../theme';

afterEach(() => {
  cleanup();
  // The notifications store is one per module: a test's toasts must not show in the next.
  notifications.clean();
  notifications.cleanQueue();
});

export const TEST_ADMIN: OperatorView = {
  id: 'op-admin',
  username: 'ada',
  displayName: 'Ada Admin',
  role: 'admin',
  status: 'active',
  createdAt: '2026-01-01T00:00:00.000Z',
  mustChangePassword: false,
  temporaryPasswordExpiresAt: null,
  passwordChangedAt: '2026-01-01T00:00:00.000Z',
};

/** Where the router is now: components that navigate are checked through it. */
function LocationProbe() {
  const location = useLocation();
  return <output data-testid="location">{location.pathname + location.search}</output>;
}

/**
 * Renders `ui` inside the console's own providers, as main.tsx and App.tsx
 * set them up: the theme, notifications, the app's QueryClient and tRPC
 * client, a router (in memory, at `path`) and the signed-in operator.
 * Mantine's test env turns off transitions and portals, so dialogs show at once.
 */
export function renderConsole(ui: ReactNode, opts: { operator?: OperatorView | null; path?: string } = {}): RenderResult {
  const queryClient = makeQueryClient();
  const trpcClient = makeTrpcClient();
  const operator = opts.operator === undefined ? TEST_ADMIN : opts.operator;
  const page = (
    <>
      {ui}
      <LocationProbe />
    </>
  );
  return render(
    <MantineProvider theme={theme} env="test" withCssVariables={false} withGlobalClasses={false} defaultColorScheme="light">
      <Notifications position="top-right" />
      <QueryClientProvider client={queryClient}>
        <TRPCProvider trpcClient={trpcClient} queryClient={queryClient}>
          <MemoryRouter initialEntries={[opts.path ?? '/']}>{operator ? <OperatorProvider operator={operator}>{page}</OperatorProvider> : page}</MemoryRouter>
        </TRPCProvider>
      </QueryClientProvider>
    </MantineProvider>,
  );
}
