import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { AUDIT_ANCHOR_FILE, LAUNCH_SECRET_HEADER, MASTER_KEY_FILE, VERSION } from '../server/tessera';
import { PROFILE_FOLDER, runDesktop, WINDOW_STATE_FILE, PREFS_FILE, type DesktopHandle, type ElectronApi } from './desktop';
import { IPC, REFUSED_SENDER } from './ipcChannels';
import { SAFE_KEY_FILE } from './masterKey';
import { DEFAULT_WINDOW_STATE, windowOptions } from './policy';
import { createFakeElectron, type FakeElectron, type FakeWebContents } from './testing/fakeElectron';

/**
 * The desktop app's wiring, with a stand-in for Electron and the real server:
 * what runs before `ready`, the window's options, the session's handlers, IPC
 * sender checks, the menu, the window size, the master key, quitting.
 */

interface Run {
  fake: FakeElectron;
  handle: DesktopHandle;
  dir: string;
  logs: string[];
}

const running: Run[] = [];
const dirs: string[] = [];

function tempDir(): string {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'tessera-desktop-'));
  dirs.push(d);
  return d;
}

function consoleBuild(dir: string): string {
  const c = path.join(dir, 'console');
  fs.mkdirSync(path.join(c, 'assets'), { recursive: true });
  fs.writeFileSync(path.join(c, 'index.html'), '<!doctype html><title>Tessera console</title><script type="module" src="/assets/app.js"></script>');
  fs.writeFileSync(path.join(c, 'assets', 'app.js'), 'export {};\n');
  return c;
}

async function start(
  opts: { dir?: string; platform?: NodeJS.Platform; keychain?: { available?: boolean; backend?: string }; checkbox?: boolean; lock?: boolean } = {},
): Promise<Run> {
  const dir = opts.dir ?? tempDir();
  const fake = createFakeElectron({
    paths: { appData: path.join(dir, 'appData'), documents: path.join(dir, 'Documents') },
    lock: opts.lock ?? true,
    ...(opts.keychain ? { keychain: opts.keychain } : {}),
    messageBox: { response: 0, checkboxChecked: opts.checkbox ?? false },
  });
  const logs: string[] = [];
  const handle = await runDesktop(fake.api as unknown as ElectronApi, {
    preloadPath: '/app/dist-electron/preload.cjs',
    env: { TESSERA_DATA: path.join(dir, 'data'), TESSERA_USER_DATA: path.join(dir, 'userData') },
    platform: opts.platform ?? 'darwin',
    consoleDir: consoleBuild(dir),
    log: (l) => logs.push(l),
  });
  if (!handle) throw new Error('runDesktop returned null');
  const run = { fake, handle, dir, logs };
  running.push(run);
  return run;
}

async function quit(run: Run): Promise<void> {
  run.fake.app.quit();
  const deadline = Date.now() + 5000;
  while (!run.fake.app.quitted && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
  expect(run.fake.app.quitted).toBe(true);
}

afterEach(async () => {
  for (const r of running.splice(0)) if (!r.fake.app.quitted) await quit(r);
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

function win(run: Run) {
  const w = run.fake.windows[0];
  if (!w) throw new Error('no window');
  return w;
}

/** A request as the window's session sends it (the launch header added by the app's hook). */
async function fromWindow(run: Run, pathname: string): Promise<Response> {
  const url = `${run.handle.origin}${pathname}`;
  return fetch(url.replace('localhost', '127.0.0.1'), { headers: { ...run.fake.session.headersFor(url), host: new URL(url).host } });
}

describe('start-up', () => {
  it('locks to one instance, sandboxes every renderer and sets its folders before ready', async () => {
    const run = await start();
    const ev = run.fake.events;
    const ready = ev.indexOf('ready');
    for (const step of ['setName:Tessera', 'setPath:userData', 'requestSingleInstanceLock', 'enableSandbox']) {
      expect(ev.indexOf(step), step).toBeGreaterThanOrEqual(0);
      expect(ev.indexOf(step), `${step} before ready`).toBeLessThan(ready);
    }
    expect(run.fake.app.getPath('userData')).toBe(path.join(run.dir, 'userData'));
  });

  it("keeps Electron's profile out of the data folder", async () => {
    const dir = tempDir();
    const fake = createFakeElectron({ paths: { appData: path.join(dir, 'appData'), documents: dir } });
    // What defaultDataDir gives on Windows (%APPDATA%\\Tessera) and macOS (<Application Support>/Tessera).
    const data = path.join(dir, 'appData', 'Tessera');
    const handle = await runDesktop(fake.api as unknown as ElectronApi, {
      preloadPath: '/p',
      env: { TESSERA_DATA: data },
      platform: 'darwin',
      consoleDir: null,
      log: () => {},
    });
    running.push({ fake, handle: handle!, dir, logs: [] });
    expect(fake.app.getPath('userData')).toBe(path.join(dir, 'appData', PROFILE_FOLDER));
    expect(path.relative(data, fake.app.getPath('userData')).startsWith('..')).toBe(true);
    win({ fake, handle: handle!, dir, logs: [] }).close();
    const unexpected = fs.readdirSync(data).filter((f) => f !== SAFE_KEY_FILE && f !== AUDIT_ANCHOR_FILE && !/^tessera\.db(-wal|-shm)?$/.test(f));
    expect(unexpected).toEqual([]); // no window-state.json, no Chromium files (the audit anchor belongs to the data folder)
  });

  it('a second instance quits at once and starts no server; the first one is focused', async () => {
    const first = await start();
    const fake = createFakeElectron({ paths: { appData: first.dir, documents: first.dir }, lock: false });
    const handle = await runDesktop(fake.api as unknown as ElectronApi, {
      preloadPath: '/x',
      env: { TESSERA_DATA: path.join(first.dir, 'other') },
      log: () => {},
    });
    expect(handle).toBeNull();
    expect(fake.app.quitRequested).toBe(1);
    expect(fake.events).not.toContain('enableSandbox');
    expect(fs.existsSync(path.join(first.dir, 'other'))).toBe(false);

    win(first).minimized = true;
    first.fake.app.emit('second-instance', {}, [], first.dir);
    expect(win(first).minimized).toBe(false);
    expect(win(first).focused).toBe(1);
  });

  it('serves on 127.0.0.1 and opens the console at http://localhost:PORT, the setup page on first run', async () => {
    const run = await start();
    expect(run.handle.running.host).toBe('127.0.0.1');
    expect(run.handle.origin).toBe(`http://localhost:${run.handle.running.port}`);
    expect(win(run).loaded).toHaveLength(1);
    expect(win(run).loaded[0]).toMatch(new RegExp(`^http://localhost:${run.handle.running.port}/setup\\?token=[\\w%-]+$`));
    await new Promise((r) => setImmediate(r));
    expect(win(run).shown).toBe(true); // on ready-to-show
    expect(run.handle.dataDir).toBe(path.join(run.dir, 'data'));
  });

  it('the window gets exactly the hardened options', async () => {
    const run = await start();
    const o = win(run).options as ReturnType<typeof windowOptions>;
    expect(o).toEqual(windowOptions('/app/dist-electron/preload.cjs', { version: VERSION, devTools: true, state: DEFAULT_WINDOW_STATE }));
    expect(o.webPreferences).toMatchObject({
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
    });
    expect(o.webPreferences?.additionalArguments?.[0]).toMatch(/^--tessera-version=\d+\.\d+\.\d+/);
  });

  it('devtools are off in a packaged app', async () => {
    const dir = tempDir();
    const fake = createFakeElectron({ paths: { appData: dir, documents: dir }, isPackaged: true });
    const handle = await runDesktop(fake.api as unknown as ElectronApi, {
      preloadPath: '/p',
      env: { TESSERA_DATA: path.join(dir, 'data'), TESSERA_USER_DATA: path.join(dir, 'ud') },
      platform: 'darwin',
      consoleDir: null,
      log: () => {},
    });
    running.push({ fake, handle: handle!, dir, logs: [] });
    const prefs = (fake.windows[0]!.options as { webPreferences: { devTools: boolean } }).webPreferences;
    expect(prefs.devTools).toBe(false);
    const view = (fake.menus[0]!.template as { label?: string; submenu?: { role?: string }[] }[]).find((m) => m.label === '&View')!;
    expect(view.submenu!.map((i) => i.role)).not.toContain('toggleDevTools');
  });
});

describe('only this window reaches the console', () => {
  it('the session adds the launch secret to console requests, and the server wants it', async () => {
    const run = await start();
    const ses = run.fake.session;
    expect(ses.beforeSendHeaders?.filter.urls).toEqual([`${run.handle.origin}/*`]);
    const headers = ses.headersFor(`${run.handle.origin}/trpc/auth.me`, { accept: 'application/json' });
    expect(headers[LAUNCH_SECRET_HEADER]).toMatch(/^[\w-]{43}$/);
    expect(headers.accept).toBe('application/json');
    expect(ses.headersFor('https://example.com/x')[LAUNCH_SECRET_HEADER]).toBeUndefined();

    const index = await fromWindow(run, '/');
    expect(index.status).toBe(200);
    expect(await index.text()).toContain('Tessera console');
    expect(index.headers.get('content-security-policy')).toMatch(/script-src 'self'(;|$)/);
    expect(index.headers.get('content-security-policy')).not.toContain('unsafe');

    const other = await fetch(`${run.handle.running.url}/`, { headers: { host: `localhost:${run.handle.running.port}` } });
    expect(other.status).toBe(403);
    const health = await fetch(`${run.handle.running.url}/healthz`);
    expect(health.status).toBe(200);
  });

  it('each launch has its own secret', async () => {
    const a = await start();
    const b = await start();
    const ha = a.fake.session.headersFor(`${a.handle.origin}/`)[LAUNCH_SECRET_HEADER];
    const hb = b.fake.session.headersFor(`${b.handle.origin}/`)[LAUNCH_SECRET_HEADER];
    expect(ha).not.toBe(hb);
  });
});

describe('navigation, new windows, webviews', () => {
  it('stays on the console origin; https links go to the system browser; the rest is blocked', async () => {
    const run = await start();
    const wc = win(run).webContents;
    const o = run.handle.origin;
    expect(wc.navigate(`${o}/users`)).toBe(false);
    expect(wc.navigate(`${o}/setup?token=x`)).toBe(false);
    for (const bad of [
      'https://evil.example/',
      `http://127.0.0.1:${run.handle.running.port}/`,
      'http://localhost:1/',
      'file:///etc/passwd',
      'data:text/html,<script>1</script>',
      'javascript:alert(1)',
      'about:blank',
      `http://user@localhost:${run.handle.running.port}/`,
    ]) {
      expect(wc.navigate(bad), bad).toBe(true);
      expect(wc.navigate(bad, 'will-redirect'), `redirect ${bad}`).toBe(true);
    }
    expect(run.fake.opened).toEqual(['https://evil.example/', 'https://evil.example/']);
  });

  it('never opens a new window; https opens in the system browser, nothing else does', async () => {
    const run = await start();
    const wc = win(run).webContents;
    for (const url of [
      'https://www.rfc-editor.org/rfc/rfc6238',
      `${run.handle.origin}/users`,
      'file:///C:/Windows/System32/calc.exe',
      'ms-msdt:/id',
      'http://example.com/',
    ]) {
      expect(wc.open(url), url).toEqual({ action: 'deny' });
    }
    expect(run.fake.opened).toEqual(['https://www.rfc-editor.org/rfc/rfc6238']);
  });

  it('refuses to attach a webview', async () => {
    const run = await start();
    const ev = {
      defaultPrevented: false,
      preventDefault() {
        this.defaultPrevented = true;
      },
    };
    win(run).webContents.emit('will-attach-webview', ev, {}, {});
    expect(ev.defaultPrevented).toBe(true);
  });
});

describe('permissions', () => {
  it('denies every permission except HID (security keys) for the console', async () => {
    const run = await start();
    const ses = run.fake.session;
    const o = run.handle.origin;
    for (const p of ['media', 'geolocation', 'notifications', 'clipboard-read', 'midi', 'usb', 'serial', 'openExternal', 'fullscreen', 'unknown']) {
      expect(await ses.requestPermission(p, `${o}/`), p).toBe(false);
      expect(ses.permissionCheckHandler!(null, p, o, {}), p).toBe(false);
    }
    expect(await ses.requestPermission('hid', `${o}/users/alice`)).toBe(true);
    expect(ses.permissionCheckHandler!(null, 'hid', o, {})).toBe(true);
    expect(await ses.requestPermission('hid', 'https://evil.example/')).toBe(false);
    expect(ses.permissionCheckHandler!(null, 'hid', 'http://localhost:1', {})).toBe(false);
  });

  it('grants device access only to FIDO security keys, and picks one only for the console frame', async () => {
    const run = await start();
    const ses = run.fake.session;
    const o = run.handle.origin;
    const key = { deviceId: 'key-1', collections: [{ usagePage: 0xf1d0, usage: 1 }] };
    const keyboard = { deviceId: 'kbd', collections: [{ usagePage: 1, usage: 6 }] };
    expect(ses.devicePermissionHandler!({ deviceType: 'hid', origin: o, device: key })).toBe(true);
    expect(ses.devicePermissionHandler!({ deviceType: 'hid', origin: o, device: keyboard })).toBe(false);
    expect(ses.devicePermissionHandler!({ deviceType: 'usb', origin: o, device: key })).toBe(false);
    expect(ses.devicePermissionHandler!({ deviceType: 'hid', origin: 'https://evil.example', device: key })).toBe(false);

    const pick = (frame: { url: string; parent: unknown } | null) => {
      let chosen: unknown = 'not called';
      const ev = {
        defaultPrevented: false,
        preventDefault() {
          this.defaultPrevented = true;
        },
      };
      ses.emit('select-hid-device', ev, { deviceList: [keyboard, key], frame }, (id: unknown) => (chosen = id));
      expect(ev.defaultPrevented).toBe(true);
      return chosen;
    };
    expect(pick({ url: `${o}/users`, parent: null })).toBe('key-1');
    expect(pick({ url: 'https://evil.example/', parent: null })).toBeNull();
    expect(pick({ url: `${o}/`, parent: {} })).toBeNull();
    expect(pick(null)).toBeNull();
  });
});

describe('IPC', () => {
  const frame = (run: Run, p = '/users') => ({ url: `${run.handle.origin}${p}`, parent: null });

  it('registers exactly the preload functions that need the main process', async () => {
    const run = await start();
    expect(run.fake.ipcMain.channels().sort()).toEqual([IPC.openDataFolder, IPC.print].sort());
  });

  it('print: the system print dialog for the window; a cancel is not an error', async () => {
    const run = await start();
    const wc = win(run).webContents;
    await run.fake.ipcMain.invoke(IPC.print, wc, frame(run));
    expect(wc.printed).toEqual([{ silent: false, printBackground: true }]);
    wc.printResult = [false, 'cancelled'];
    await expect(run.fake.ipcMain.invoke(IPC.print, wc, frame(run))).resolves.toBeUndefined();
    wc.printResult = [false, 'failed'];
    await expect(run.fake.ipcMain.invoke(IPC.print, wc, frame(run))).rejects.toThrow(/Printing failed: failed/);
  });

  it('openDataFolder shows the data folder', async () => {
    const run = await start();
    await run.fake.ipcMain.invoke(IPC.openDataFolder, win(run).webContents, frame(run));
    expect(run.fake.openedPaths).toEqual([run.handle.dataDir]);
  });

  it('refuses a sender that is not the console window top frame', async () => {
    const run = await start();
    const wc = win(run).webContents;
    const cases: [string, FakeWebContents, { url: string; parent: unknown } | null][] = [
      ['an iframe', wc, { url: `${run.handle.origin}/`, parent: { url: `${run.handle.origin}/` } }],
      ['a foreign origin', wc, { url: 'https://evil.example/', parent: null }],
      ['a file: page', wc, { url: 'file:///tmp/x.html', parent: null }],
      ['a frame already gone', wc, null],
      ['another web contents', new (wc.constructor as new () => FakeWebContents)(), frame(run)],
    ];
    for (const [name, sender, f] of cases) {
      await expect(run.fake.ipcMain.invoke(IPC.print, sender, f), name).rejects.toThrow(REFUSED_SENDER);
      await expect(run.fake.ipcMain.invoke(IPC.openDataFolder, sender, f), name).rejects.toThrow(REFUSED_SENDER);
    }
    expect(wc.printed).toEqual([]);
    expect(run.fake.openedPaths).toEqual([]);
  });
});

describe('exports: the system save dialog', () => {
  it('a download from the console asks where to save, in Documents, under a safe name', async () => {
    const run = await start();
    const r = run.fake.session.download(`${run.handle.origin}/console/audit/export`, 'audit-2026-11-25.jsonl');
    expect(r.cancelled).toBe(false);
    expect(r.saveDialog).toEqual({ title: 'Save export', defaultPath: path.join(run.dir, 'Documents', 'audit-2026-11-25.jsonl') });
    const blob = run.fake.session.download(`blob:${run.handle.origin}/0b6c1e7a-0000-4000-8000-000000000000`, '../../.bashrc');
    expect(blob.saveDialog).toEqual({ title: 'Save export', defaultPath: path.join(run.dir, 'Documents', 'bashrc') }); // no folders, no leading dot
  });

  it('a download from anywhere else is cancelled', async () => {
    const run = await start();
    expect(run.fake.session.download('https://evil.example/x.exe', 'x.exe').cancelled).toBe(true);
    expect(run.fake.session.download('blob:https://evil.example/1', 'x').cancelled).toBe(true);
  });
});

describe('menu', () => {
  it('File → Print prints the window; Open Data Folder; Help → About shows the version', async () => {
    const run = await start();
    type Item = { label?: string; role?: string; accelerator?: string; click?: () => void; submenu?: Item[] };
    const template = run.fake.menus[0]!.template as Item[];
    const file = template.find((m) => m.label === '&File')!;
    const print = file.submenu!.find((i) => i.label === 'Print…')!;
    expect(print.accelerator).toBe('CmdOrCtrl+P');
    print.click!();
    expect(win(run).webContents.printed).toHaveLength(1);
    file.submenu!.find((i) => i.label === 'Open Data Folder')!.click!();
    expect(run.fake.openedPaths).toEqual([run.handle.dataDir]);
    const help = template.find((m) => m.label === '&Help')!;
    help.submenu![0]!.click!();
    expect(run.fake.messageBoxes.at(-1)).toMatchObject({ title: 'About Tessera', message: expect.stringMatching(/^Tessera \d+\.\d+\.\d+/) });
  });
});

describe('the window remembers its size', () => {
  it('saves its bounds on close and reopens at them', async () => {
    const dir = tempDir();
    const first = await start({ dir });
    const w = win(first);
    (w.options as { width: number }).width = 1400;
    w.maximized = true;
    w.close();
    const saved = JSON.parse(fs.readFileSync(path.join(dir, 'userData', WINDOW_STATE_FILE), 'utf8')) as Record<string, unknown>;
    expect(saved).toMatchObject({ width: 1400, height: 820, maximized: true });
    await new Promise((r) => setTimeout(r, 50));
    expect(first.fake.app.quitted).toBe(true); // the last window closed: the app quit and stopped its server
    running.splice(running.indexOf(first), 1);

    const second = await start({ dir });
    expect(win(second).options).toMatchObject({ width: 1400, height: 820 });
    expect(win(second).maximized).toBe(true);
    expect(win(second).loaded[0]).toMatch(/\/setup\?token=/); // still no operator
  });

  it('ignores a broken state file', async () => {
    const dir = tempDir();
    fs.mkdirSync(path.join(dir, 'userData'), { recursive: true });
    fs.writeFileSync(path.join(dir, 'userData', WINDOW_STATE_FILE), '{"width": "huge", "x": 99999');
    const run = await start({ dir });
    expect(win(run).options).toMatchObject({ width: 1280, height: 820 });
    expect(win(run).options).not.toHaveProperty('x');
  });
});

describe('quitting', () => {
  it('stops the server before the app quits', async () => {
    const run = await start();
    const url = `${run.handle.running.url}/healthz`;
    expect((await fetch(url)).status).toBe(200);
    await quit(run);
    await expect(fetch(url)).rejects.toThrow();
  });
});

describe('the master key', () => {
  it('with an OS keychain: sealed in master.key.safe, no key file', async () => {
    const run = await start({ platform: 'darwin' });
    expect(fs.existsSync(path.join(run.handle.dataDir, SAFE_KEY_FILE))).toBe(true);
    expect(fs.existsSync(path.join(run.handle.dataDir, MASTER_KEY_FILE))).toBe(false);
    expect(run.fake.messageBoxes).toEqual([]);
    expect(run.logs.join('\n')).toContain('sealed by the OS keychain');
  });

  it('on Linux with basic_text: the key file, a log line and a warning the operator can silence', async () => {
    const dir = tempDir();
    const first = await start({ dir, platform: 'linux', keychain: { available: true, backend: 'basic_text' }, checkbox: true });
    expect(fs.existsSync(path.join(first.handle.dataDir, MASTER_KEY_FILE))).toBe(true);
    expect(fs.existsSync(path.join(first.handle.dataDir, SAFE_KEY_FILE))).toBe(false);
    expect(first.logs.some((l) => l.startsWith('WARNING:') && l.includes('basic_text'))).toBe(true);
    await new Promise((r) => setImmediate(r));
    expect(first.fake.messageBoxes).toHaveLength(1);
    expect(first.fake.messageBoxes[0]).toMatchObject({ type: 'warning', checkboxLabel: expect.any(String) });
    expect(JSON.parse(fs.readFileSync(path.join(dir, 'userData', PREFS_FILE), 'utf8'))).toEqual({ keyFileWarningDismissed: true });
    await quit(first);
    running.splice(running.indexOf(first), 1);

    const second = await start({ dir, platform: 'linux', keychain: { available: true, backend: 'basic_text' } });
    expect(second.fake.messageBoxes).toEqual([]);
    expect(second.logs.some((l) => l.startsWith('WARNING:'))).toBe(true); // still logged every launch
  });

  it('a keychain appearing later takes the key file over', async () => {
    const dir = tempDir();
    const first = await start({ dir, platform: 'linux', keychain: { available: false } });
    const data = first.handle.dataDir;
    expect(fs.existsSync(path.join(data, MASTER_KEY_FILE))).toBe(true);
    await quit(first);
    running.splice(running.indexOf(first), 1);

    const second = await start({ dir, platform: 'linux', keychain: { available: true, backend: 'kwallet6' } });
    expect(fs.existsSync(path.join(data, MASTER_KEY_FILE))).toBe(false);
    expect(fs.existsSync(path.join(data, SAFE_KEY_FILE))).toBe(true);
    expect((await fromWindow(second, '/trpc/auth.me')).status).toBe(200); // same data opened with the migrated key
  });

  it('a sealed key with no keychain now: a clear error, and no server', async () => {
    const dir = tempDir();
    const first = await start({ dir, platform: 'darwin' });
    await quit(first);
    running.splice(running.indexOf(first), 1);
    const fake = createFakeElectron({ paths: { appData: dir, documents: dir }, keychain: { available: false } });
    await expect(
      runDesktop(fake.api as unknown as ElectronApi, {
        preloadPath: '/p',
        env: { TESSERA_DATA: path.join(dir, 'data'), TESSERA_USER_DATA: path.join(dir, 'userData') },
        platform: 'darwin',
        consoleDir: null,
        log: () => {},
      }),
    ).rejects.toThrow(/sealed by this computer's keychain/);
    expect(fake.windows).toHaveLength(0);
  });
});
