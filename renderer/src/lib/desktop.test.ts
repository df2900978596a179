import { afterEach, describe, expect, it, vi } from 'vitest';
import { desktopApi, desktopVersion, isDesktop, openDataFolder, printPage } from './desktop';

const g = globalThis as { window?: unknown };
afterEach(() => {
  delete g.window;
});

describe('in a browser (no window.tessera)', () => {
  it('prints with window.print and has no desktop features', async () => {
    const print = vi.fn();
    g.window = { print };
    expect(isDesktop()).toBe(false);
    expect(desktopApi()).toBeNull();
    await printPage();
    expect(print).toHaveBeenCalledOnce();
    expect(await openDataFolder()).toBe(false);
    expect(desktopVersion()).toBeNull();
  });
});

describe('in the desktop app', () => {
  it('prints through the preload, not window.print', async () => {
    const print = vi.fn();
    const tessera = { print: vi.fn(async () => undefined), openDataFolder: vi.fn(async () => undefined), version: () => '0.1.0' };
    g.window = { print, tessera };
    expect(isDesktop()).toBe(true);
    await printPage();
    expect(tessera.print).toHaveBeenCalledOnce();
    expect(print).not.toHaveBeenCalled();
    expect(await openDataFolder()).toBe(true);
    expect(tessera.openDataFolder).toHaveBeenCalledOnce();
    expect(desktopVersion()).toBe('0.1.0');
  });

  it('passes a refused print on to the caller', async () => {
    g.window = {
      print: vi.fn(),
      tessera: { print: async () => Promise.reject(new Error('Printing failed: failed')), openDataFolder: async () => undefined, version: () => 'x' },
    };
    await expect(printPage()).rejects.toThrow('Printing failed');
  });
});
