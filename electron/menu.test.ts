import type { MenuItemConstructorOptions } from 'electron';
import { describe, expect, it } from 'vitest';
import { menuTemplate } from './menu';

function flat(items: MenuItemConstructorOptions[]): MenuItemConstructorOptions[] {
  return items.flatMap((i) => [i, ...(Array.isArray(i.submenu) ? flat(i.submenu) : [])]);
}

describe('menuTemplate', () => {
  const calls: string[] = [];
  const actions = { print: () => calls.push('print'), openDataFolder: () => calls.push('open'), about: () => calls.push('about') };

  it('File, Edit, View, Help on Windows and Linux', () => {
    const t = menuTemplate(actions, { platform: 'linux', devTools: false });
    expect(t.map((m) => m.label ?? m.role)).toEqual(['&File', '&Edit', '&View', '&Help']);
    expect(t[1]!.role).toBe('editMenu');
  });

  it('has keyboard shortcuts for print, reload, zoom and quit', () => {
    const items = flat(menuTemplate(actions, { platform: 'win32', devTools: false }));
    const acc = (pred: (i: MenuItemConstructorOptions) => boolean) => items.find(pred)?.accelerator;
    expect(acc((i) => i.label === 'Print…')).toBe('CmdOrCtrl+P');
    expect(acc((i) => i.role === 'reload')).toBe('CmdOrCtrl+R');
    expect(acc((i) => i.role === 'zoomIn')).toBe('CmdOrCtrl+=');
    expect(acc((i) => i.role === 'zoomOut')).toBe('CmdOrCtrl+-');
    expect(acc((i) => i.role === 'resetZoom')).toBe('CmdOrCtrl+0');
    expect(acc((i) => i.role === 'quit')).toBe('CmdOrCtrl+Q');
    const accelerators = items.map((i) => i.accelerator).filter(Boolean);
    expect(new Set(accelerators).size).toBe(accelerators.length); // no clashes
  });

  it('its items call the actions', () => {
    calls.length = 0;
    const items = flat(menuTemplate(actions, { platform: 'linux', devTools: false }));
    const click = (label: string) => (items.find((i) => i.label === label)!.click as () => void)();
    click('Print…');
    click('Open Data Folder');
    click('About Tessera');
    expect(calls).toEqual(['print', 'open', 'about']);
  });

  it('devtools only when asked (unpackaged runs)', () => {
    expect(flat(menuTemplate(actions, { platform: 'linux', devTools: false })).some((i) => i.role === 'toggleDevTools')).toBe(false);
    expect(flat(menuTemplate(actions, { platform: 'linux', devTools: true })).some((i) => i.role === 'toggleDevTools')).toBe(true);
  });

  it('macOS: the app menu first, a Window menu, Close instead of Quit under File', () => {
    const t = menuTemplate(actions, { platform: 'darwin', devTools: false });
    expect(t.map((m) => m.role ?? m.label)).toEqual(['appMenu', '&File', 'editMenu', '&View', 'windowMenu', 'help']);
    const file = t[1]!.submenu as MenuItemConstructorOptions[];
    expect(file.some((i) => i.role === 'quit')).toBe(false);
    expect(file.some((i) => i.role === 'close')).toBe(true);
  });
});
