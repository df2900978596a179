import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { IPC } from './ipcChannels';
import { createDesktopApi, DESKTOP_API_FUNCTIONS, DESKTOP_API_KEY, versionFromArgv } from './preloadApi';

describe('the preload surface', () => {
  it('is window.tessera with print, openDataFolder and version, nothing else', () => {
    const api = createDesktopApi(async () => undefined, []);
    expect(DESKTOP_API_KEY).toBe('tessera');
    expect(Object.keys(api).sort()).toEqual([...DESKTOP_API_FUNCTIONS].sort());
    expect(Object.keys(api).sort()).toEqual(['openDataFolder', 'print', 'version']);
    for (const k of Object.keys(api)) expect(typeof (api as unknown as Record<string, unknown>)[k]).toBe('function');
    expect(Object.isFrozen(api)).toBe(true);
  });

  it('each function sends on its own channel, with nothing from the page', async () => {
    const sent: unknown[][] = [];
    const api = createDesktopApi(async (...args) => {
      sent.push(args);
      return 'ignored';
    }, []);
    await expect(api.print()).resolves.toBeUndefined();
    await expect(api.openDataFolder()).resolves.toBeUndefined();
    // Extra arguments a page might pass never reach IPC.
    await (api.print as (...a: unknown[]) => Promise<void>)('x', { channel: 'other' });
    expect(sent).toEqual([[IPC.print], [IPC.openDataFolder], [IPC.print]]);
  });

  it('passes on a refusal from the main process', async () => {
    const api = createDesktopApi(async () => {
      throw new Error('Refused');
    }, []);
    await expect(api.print()).rejects.toThrow('Refused');
  });

  it('version comes from the window argument, checked', () => {
    expect(createDesktopApi(async () => undefined, ['electron', '--tessera-version=1.4.0-beta.2']).version()).toBe('1.4.0-beta.2');
    expect(versionFromArgv([])).toBe('unknown');
    expect(versionFromArgv(['--tessera-version=<script>'])).toBe('unknown');
    expect(versionFromArgv(['--tessera-version='])).toBe('unknown');
  });

  it('preload.ts exposes only that object and imports nothing but electron and these modules', () => {
    const src = fs.readFileSync(path.join(path.dirname(fileURLToPath(import.meta.url)), 'preload.ts'), 'utf8');
    const imports = [...src.matchAll(/from '([^']+)'/g)].map((m) => m[1]);
    expect(imports.sort()).toEqual(['./preloadApi', 'electron']);
    expect(src.match(/exposeInMainWorld/g)).toHaveLength(1);
    expect(src).not.toMatch(/ipcRenderer\.(send|on|sendSync)\b/);
  });
});
