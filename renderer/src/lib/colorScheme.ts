import { localStorageColorSchemeManager, type MantineColorScheme } from '@mantine/core';

/**
 * Light, dark or the operating system's choice ("auto", the default), remembered per browser. Mantine's
 * manager keeps it in localStorage; this file also sets it on <html> before the first render, which
 * Mantine's ColorSchemeScript would do with an inline script the console's CSP refuses.
 */
export const COLOR_SCHEME_KEY = 'tessera-color-scheme';
export const DEFAULT_COLOR_SCHEME: MantineColorScheme = 'auto';

export const colorSchemeManager = localStorageColorSchemeManager({ key: COLOR_SCHEME_KEY });

/** The scheme shown for a choice: "auto" follows prefers-color-scheme. */
export function resolvedColorScheme(choice: MantineColorScheme, prefersDark: boolean): 'light' | 'dark' {
  return choice === 'auto' ? (prefersDark ? 'dark' : 'light') : choice;
}

/** Sets data-mantine-color-scheme from the stored choice, so the first paint is already in the right scheme. */
export function applyStoredColorScheme(root: HTMLElement = document.documentElement): 'light' | 'dark' {
  const prefersDark = typeof window.matchMedia === 'function' && window.matchMedia('(prefers-color-scheme: dark)').matches;
  const scheme = resolvedColorScheme(colorSchemeManager.get(DEFAULT_COLOR_SCHEME), prefersDark);
  root.setAttribute('data-mantine-color-scheme', scheme);
  return scheme;
}

/**
 * Paper is white: while the browser prints (a recovery-code sheet, a temporary code, any page), the console
 * is light, then back. app.css does the same for print media, for printing that fires no events.
 */
export function keepPrintsLight(root: HTMLElement = document.documentElement): void {
  let shown: string | null = null;
  window.addEventListener('beforeprint', () => {
    shown = root.getAttribute('data-mantine-color-scheme');
    root.setAttribute('data-mantine-color-scheme', 'light');
  });
  window.addEventListener('afterprint', () => {
    if (shown !== null) root.setAttribute('data-mantine-color-scheme', shown);
    shown = null;
  });
}
