import './zodConfig';
import '@mantine/core/styles.css';
import '@mantine/notifications/styles.css';
import './mantine-classes.css';
import './app.css';
import { StrictMode, useState } from 'react';
import { createRoot } from 'react-dom/client';
import { MantineProvider } from '@mantine/core';
import { Notifications } from '@mantine/notifications';
import { QueryClientProvider } from '@tanstack/react-query';
import { BrowserRouter } from 'react-router';
import { makeQueryClient, makeTrpcClient, TRPCProvider } from './api/trpc';
import { App } from './App';
import { applyStoredColorScheme, colorSchemeManager, DEFAULT_COLOR_SCHEME, keepPrintsLight } from './lib/colorScheme';
import { theme } from './theme';

// Light, dark or the system's: set on <html> before React renders (no inline script: the CSP forbids it).
applyStoredColorScheme();
keepPrintsLight();

function Root() {
  const [queryClient] = useState(makeQueryClient);
  const [trpcClient] = useState(makeTrpcClient);
  return (
    <StrictMode>
      {/* CSS variables and the hiddenFrom/visibleFrom classes come from static stylesheets: no injected <style>, so the CSP can stay strict. */}
      <MantineProvider
        theme={theme}
        withCssVariables={false}
        withGlobalClasses={false}
        colorSchemeManager={colorSchemeManager}
        defaultColorScheme={DEFAULT_COLOR_SCHEME}
      >
        <Notifications position="top-right" />
        <QueryClientProvider client={queryClient}>
          <TRPCProvider trpcClient={trpcClient} queryClient={queryClient}>
            <BrowserRouter>
              <App />
            </BrowserRouter>
          </TRPCProvider>
        </QueryClientProvider>
      </MantineProvider>
    </StrictMode>
  );
}

createRoot(document.getElementById('root')!).render(<Root />);
