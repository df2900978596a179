// @vitest-environment happy-dom
import { beforeEach, describe, expect, test } from 'vitest';
import { applyStoredColorScheme, COLOR_SCHEME_KEY, keepPrintsLight, resolvedColorScheme } from './colorScheme';

beforeEach(() => {
  window.localStorage.clear();
  document.documentElement.removeAttribute('data-mantine-color-scheme');
});

describe('colour scheme before the first render', () => {
  test('System (auto) follows the operating system; Light and Dark are kept whatever it says', () => {
    expect(resolvedColorScheme('auto', true)).toBe('dark');
    expect(resolvedColorScheme('auto', false)).toBe('light');
    expect(resolvedColorScheme('light', true)).toBe('light');
    expect(resolvedColorScheme('dark', false)).toBe('dark');
  });

  test('the stored choice is on <html> at once; nothing or nonsense stored means System', () => {
    window.localStorage.setItem(COLOR_SCHEME_KEY, 'dark');
    expect(applyStoredColorScheme()).toBe('dark');
    expect(document.documentElement.getAttribute('data-mantine-color-scheme')).toBe('dark');
    window.localStorage.setItem(COLOR_SCHEME_KEY, 'purple');
    const prefersDark = window.matchMedia('(prefers-color-scheme: dark)').matches;
    expect(applyStoredColorScheme()).toBe(prefersDark ? 'dark' : 'light');
  });

  test('printing switches to light and back', () => {
    const root = document.createElement('div');
    root.setAttribute('data-mantine-color-scheme', 'dark');
    keepPrintsLight(root);
    window.dispatchEvent(new Event('beforeprint'));
    expect(root.getAttribute('data-mantine-color-scheme')).toBe('light');
    window.dispatchEvent(new Event('afterprint'));
    expect(root.getAttribute('data-mantine-color-scheme')).toBe('dark');
  });
});
