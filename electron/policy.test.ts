import { describe, expect, it } from 'vitest';
import {
  consoleOrigin,
  DEFAULT_WINDOW_STATE,
  devicePermissionAllowed,
  isAllowedDownload,
  isAllowedExternal,
  isAllowedNavigation,
  isFidoHidDevice,
  MIN_WINDOW,
  originOf,
  parseWindowState,
  permissionAllowed,
  safeFileName,
  windowOpenDecision,
  windowOptions,
  withLaunchHeader,
} from './policy';

const ORIGIN = consoleOrigin(43210);

describe('windowOptions: the Electron security checklist, pinned', () => {
  const o = windowOptions('/app/preload.cjs', { version: '1.2.3' });
  const w = o.webPreferences!;

  it('isolates and sandboxes the renderer, with no Node', () => {
    expect(w.contextIsolation).toBe(true);
    expect(w.sandbox).toBe(true);
    expect(w.nodeIntegration).toBe(false);
    expect(w.nodeIntegrationInWorker).toBe(false);
    expect(w.nodeIntegrationInSubFrames).toBe(false);
  });

  it('keeps web security on, no insecure content, no experimental or Blink features, no webview', () => {
    expect(w.webSecurity).toBe(true);
    expect(w.allowRunningInsecureContent).toBe(false);
    expect(w.experimentalFeatures).toBe(false);
    expect(w).not.toHaveProperty('enableBlinkFeatures');
    expect(w.webviewTag).toBe(false);
    expect(w.navigateOnDragDrop).toBe(false);
  });

  it('loads only our preload and passes the version as an argument; devtools off unless asked', () => {
    expect(w.preload).toBe('/app/preload.cjs');
    expect(w.additionalArguments).toEqual(['--tessera-version=1.2.3']);
    expect(w.devTools).toBe(false);
    expect(windowOptions('/p', { devTools: true }).webPreferences!.devTools).toBe(true);
  });

  it('opens hidden at the default size, or at a remembered one', () => {
    expect(o).toMatchObject({
      show: false,
      width: DEFAULT_WINDOW_STATE.width,
      height: DEFAULT_WINDOW_STATE.height,
      minWidth: MIN_WINDOW.width,
      minHeight: MIN_WINDOW.height,
    });
    expect(o).not.toHaveProperty('x');
    expect(windowOptions('/p', { state: { width: 1000, height: 700, x: 10, y: 20, maximized: false } })).toMatchObject({
      width: 1000,
      height: 700,
      x: 10,
      y: 20,
    });
  });
});

describe('isAllowedNavigation: the console origin only', () => {
  it.each([`${ORIGIN}/`, `${ORIGIN}/users/alice?tab=factors#x`, `${ORIGIN}/setup?token=abc`, 'HTTP://LOCALHOST:43210/users'])('allows %s', (url) => {
    expect(isAllowedNavigation(url, ORIGIN)).toBe(true);
  });

  it.each([
    ['another origin', 'https://example.com/'],
    ['https on our port', 'https://localhost:43210/'],
    ['127.0.0.1 instead of localhost', 'http://127.0.0.1:43210/'],
    ['another port', 'http://localhost:43211/'],
    ['credentials in the URL', 'http://admin:pw@localhost:43210/'],
    ['a user name in the URL', 'http://admin@localhost:43210/'],
    ['file:', 'file:///etc/passwd'],
    ['file: UNC', 'file://server/share/x.html'],
    ['data:', 'data:text/html,<script>alert(1)</script>'],
    ['javascript:', 'javascript:alert(1)'],
    ['about:blank', 'about:blank'],
    ['blob:', `blob:${ORIGIN}/uuid`],
    ['a custom scheme', 'ms-msdt:/id PCWDiagnostic'],
    ['a look-alike host', 'http://localhost.evil.example:43210/'],
    ['garbage', 'not a url'],
    ['empty', ''],
  ])('denies %s', (_name, url) => {
    expect(isAllowedNavigation(url, ORIGIN)).toBe(false);
  });
});

describe('new windows and external links', () => {
  it('never allows a new Electron window', () => {
    for (const url of [`${ORIGIN}/users`, 'https://example.com', 'about:blank', 'javascript:1']) expect(windowOpenDecision(url).action).toBe('deny');
  });

  it('sends only https links to named hosts to the system browser', () => {
    expect(windowOpenDecision('https://www.rfc-editor.org/rfc/rfc6238').openExternally).toBe(true);
    expect(isAllowedExternal('https://docs.example.org/path?q=1')).toBe(true);
    for (const url of [
      'http://example.com/',
      'file:///C:/Windows/System32/calc.exe',
      'smb://attacker/share',
      'ms-msdt:/id',
      'mailto:a@b.c',
      'javascript:alert(1)',
      'https://user:pw@example.com/',
      'https://localhost/',
      'https://api.localhost/',
      'https://127.0.0.1/',
      'https://[::1]/',
      'https://intranet/',
      `${ORIGIN}/users`,
      'garbage',
    ]) {
      expect(isAllowedExternal(url), url).toBe(false);
      expect(windowOpenDecision(url).openExternally, url).toBe(false);
    }
  });
});

describe('downloads', () => {
  it('only from the console and its own blob: URLs', () => {
    expect(isAllowedDownload(`${ORIGIN}/console/audit/export?format=jsonl`, ORIGIN)).toBe(true);
    expect(isAllowedDownload(`blob:${ORIGIN}/6f1c`, ORIGIN)).toBe(true);
    expect(isAllowedDownload('blob:https://evil.example/6f1c', ORIGIN)).toBe(false);
    expect(isAllowedDownload('https://evil.example/x.exe', ORIGIN)).toBe(false);
    expect(isAllowedDownload('data:application/octet-stream;base64,AAAA', ORIGIN)).toBe(false);
    expect(isAllowedDownload('file:///etc/passwd', ORIGIN)).toBe(false);
  });

  it('safeFileName keeps a plain name and drops folders and odd characters', () => {
    expect(safeFileName('audit-2026-11-25.jsonl')).toBe('audit-2026-11-25.jsonl');
    expect(safeFileName('../../etc/passwd')).toBe('passwd');
    expect(safeFileName('C:\\Windows\\evil.bat')).toBe('evil.bat');
    expect(safeFileName('.bashrc')).toBe('bashrc');
    expect(safeFileName('a<b>c:d"e|f?g*h\u0001.txt')).toBe('a_b_c_d_e_f_g_h_.txt');
    expect(safeFileName('')).toBe('export');
    expect(safeFileName('...')).toBe('export');
    expect(safeFileName('x'.repeat(500))).toHaveLength(200);
  });
});

describe('permissions: denied, except HID for WebAuthn security keys from the console', () => {
  it.each([
    'media',
    'geolocation',
    'notifications',
    'clipboard-read',
    'clipboard-sanitized-write',
    'display-capture',
    'midi',
    'midiSysex',
    'usb',
    'serial',
    'fileSystem',
    'openExternal',
    'pointerLock',
    'fullscreen',
    'window-management',
    'idle-detection',
    'storage-access',
    'unknown',
    '',
  ])('denies %s even to the console', (p) => {
    expect(permissionAllowed(p, ORIGIN, ORIGIN)).toBe(false);
    expect(permissionAllowed(p, `${ORIGIN}/users`, ORIGIN)).toBe(false);
  });

  it('allows hid to the console origin (origin or URL form) only', () => {
    expect(permissionAllowed('hid', ORIGIN, ORIGIN)).toBe(true);
    expect(permissionAllowed('hid', `${ORIGIN}/users/alice`, ORIGIN)).toBe(true);
    expect(permissionAllowed('hid', 'https://evil.example', ORIGIN)).toBe(false);
    expect(permissionAllowed('hid', 'http://localhost:1', ORIGIN)).toBe(false);
    expect(permissionAllowed('hid', 'file:///x', ORIGIN)).toBe(false);
    expect(permissionAllowed('hid', undefined, ORIGIN)).toBe(false);
    expect(permissionAllowed('HID', ORIGIN, ORIGIN)).toBe(false);
  });

  it('grants devices only for FIDO HID keys from the console', () => {
    const key = { collections: [{ usagePage: 0xf1d0, usage: 1 }] };
    const mouse = { collections: [{ usagePage: 1, usage: 2 }] };
    expect(isFidoHidDevice(key)).toBe(true);
    expect(isFidoHidDevice({ collections: [mouse.collections[0], key.collections[0]] })).toBe(true);
    expect(isFidoHidDevice(mouse)).toBe(false);
    expect(isFidoHidDevice({})).toBe(false);
    expect(isFidoHidDevice(null)).toBe(false);
    expect(devicePermissionAllowed('hid', ORIGIN, key, ORIGIN)).toBe(true);
    expect(devicePermissionAllowed('hid', ORIGIN, mouse, ORIGIN)).toBe(false);
    expect(devicePermissionAllowed('usb', ORIGIN, key, ORIGIN)).toBe(false);
    expect(devicePermissionAllowed('serial', ORIGIN, key, ORIGIN)).toBe(false);
    expect(devicePermissionAllowed('hid', 'https://evil.example', key, ORIGIN)).toBe(false);
  });

  it('originOf has no origin for opaque URLs', () => {
    expect(originOf(`${ORIGIN}/x`)).toBe(ORIGIN);
    for (const u of ['data:,x', 'javascript:1', 'about:blank', 'file:///x', 'nope']) expect(originOf(u)).toBeNull();
  });
});

describe('withLaunchHeader', () => {
  const H = 'x-tessera-launch';
  it('adds the secret for console URLs only', () => {
    expect(withLaunchHeader(`${ORIGIN}/trpc/x`, { Accept: '*/*' }, ORIGIN, H, 's3cret')).toEqual({ Accept: '*/*', [H]: 's3cret' });
    expect(withLaunchHeader('https://example.com/', { Accept: '*/*' }, ORIGIN, H, 's3cret')).toEqual({ Accept: '*/*' });
    expect(withLaunchHeader('http://127.0.0.1:43210/', {}, ORIGIN, H, 's3cret')).toEqual({});
  });

  it('replaces any copy the page set, whatever its case', () => {
    expect(withLaunchHeader(`${ORIGIN}/`, { 'X-Tessera-Launch': 'guess' }, ORIGIN, H, 's3cret')).toEqual({ [H]: 's3cret' });
    expect(withLaunchHeader('https://example.com/', { 'X-Tessera-Launch': 'guess' }, ORIGIN, H, 's3cret')).toEqual({});
  });
});

describe('parseWindowState', () => {
  const screen = [{ x: 0, y: 0, width: 1920, height: 1040 }];

  it('gives the defaults for nothing or garbage', () => {
    for (const raw of [null, undefined, 'x', 42, [], { width: 'big' }]) {
      const s = parseWindowState(raw, screen);
      expect(s.width).toBe(DEFAULT_WINDOW_STATE.width);
      expect(s.height).toBe(DEFAULT_WINDOW_STATE.height);
      expect(s.x).toBeUndefined();
      expect(s.maximized).toBe(false);
    }
  });

  it('keeps a sane saved state', () => {
    expect(parseWindowState({ width: 1400, height: 900, x: 100, y: 50, maximized: true }, screen)).toEqual({
      width: 1400,
      height: 900,
      x: 100,
      y: 50,
      maximized: true,
    });
  });

  it('clamps sizes to the minimum and the largest screen', () => {
    expect(parseWindowState({ width: 10, height: 10 }, screen)).toMatchObject({ width: MIN_WINDOW.width, height: MIN_WINDOW.height });
    expect(parseWindowState({ width: 1e9, height: 1e9 }, screen)).toMatchObject({ width: 1920, height: 1040 });
    expect(parseWindowState({ width: Number.NaN, height: Infinity }, screen)).toMatchObject({ width: 1280, height: 820 });
  });

  it('drops a position that is off every screen (an unplugged monitor)', () => {
    expect(parseWindowState({ width: 1200, height: 800, x: 3000, y: 100 }, screen).x).toBeUndefined();
    expect(parseWindowState({ width: 1200, height: 800, x: 100, y: -500 }, screen).x).toBeUndefined();
    expect(parseWindowState({ width: 1200, height: 800, x: -1150, y: 100 }, screen).x).toBeUndefined(); // 50 px showing: too little to grab
    const two = [...screen, { x: 1920, y: 0, width: 2560, height: 1400 }];
    expect(parseWindowState({ width: 1200, height: 800, x: 3000, y: 100 }, two)).toMatchObject({ x: 3000, y: 100 });
  });

  it('fits the default size into a small screen', () => {
    expect(parseWindowState(null, [{ x: 0, y: 0, width: 1024, height: 700 }])).toMatchObject({ width: 1024, height: 700 });
  });
});
