/**
 * The desktop window's security policy as plain data and pure functions (the
 * Electron security checklist), so unit tests check it without Electron.
 * electron/desktop.ts wires these into the BrowserWindow and its session.
 */
import type { BrowserWindowConstructorOptions, Rectangle } from 'electron';
import { VERSION_ARG } from './preloadApi';

/**
 * The console is served on http://localhost:PORT, not 127.0.0.1: WebAuthn
 * needs a host name as its relying-party id. The server's Host check accepts
 * `localhost:PORT`.
 */
export const CONSOLE_HOST = 'localhost';

export function consoleOrigin(port: number): string {
  return `http://${CONSOLE_HOST}:${port}`;
}

function parse(url: string): URL | null {
  try {
    return new URL(url);
  } catch {
    return null;
  }
}

/** A URL's origin, or null when it has none (data:, javascript:, about:, file: and unparsable text). */
export function originOf(url: string): string | null {
  const u = parse(url);
  if (!u || (u.protocol !== 'http:' && u.protocol !== 'https:')) return null;
  return u.origin;
}

// ---------------------------------------------------------------------------
// The window.

export interface WindowState {
  width: number;
  height: number;
  /** Absent: let the OS place the window (first run, or the saved spot is off every screen). */
  x?: number;
  y?: number;
  maximized: boolean;
}

export const DEFAULT_WINDOW_STATE: WindowState = { width: 1280, height: 820, maximized: false };
export const MIN_WINDOW = { width: 900, height: 600 } as const;
const MAX_WINDOW = { width: 16384, height: 16384 } as const;

/**
 * The BrowserWindow options: every renderer setting of the checklist pinned,
 * not left to defaults. `devTools` only in an unpackaged (developer) run.
 */
export function windowOptions(preloadPath: string, opts: { state?: WindowState; version?: string; devTools?: boolean } = {}): BrowserWindowConstructorOptions {
  const state = opts.state ?? DEFAULT_WINDOW_STATE;
  return {
    width: state.width,
    height: state.height,
    ...(state.x !== undefined && state.y !== undefined ? { x: state.x, y: state.y } : {}),
    minWidth: MIN_WINDOW.width,
    minHeight: MIN_WINDOW.height,
    title: 'Tessera',
    show: false, // shown on ready-to-show: no white flash
    backgroundColor: '#ffffff',
    webPreferences: {
      preload: preloadPath,
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      experimentalFeatures: false,
      webviewTag: false,
      navigateOnDragDrop: false,
      safeDialogs: true,
      spellcheck: false,
      devTools: opts.devTools ?? false,
      // The preload reads the app's version from here (a sandboxed preload has no fs or package.json).
      additionalArguments: opts.version ? [`${VERSION_ARG}${opts.version}`] : [],
      // enableBlinkFeatures stays unset: no experimental Blink features.
    },
  };
}

/** Navigation (link, location change, redirect, form) stays on the console's own origin. */
export function isAllowedNavigation(url: string, origin: string): boolean {
  const u = parse(url);
  if (!u || u.protocol !== 'http:') return false;
  if (u.username !== '' || u.password !== '') return false;
  return u.origin === origin;
}

/**
 * What the system browser may be asked to open: https links only, to a named
 * host (no credentials, no localhost or IP literals that would point the
 * browser at local services). Everything else (file:, smb:, custom
 * protocol handlers, http) is refused: shell.openExternal on those is how
 * Electron apps get exploited.
 */
export function isAllowedExternal(url: string): boolean {
  const u = parse(url);
  if (!u || u.protocol !== 'https:') return false;
  if (u.username !== '' || u.password !== '') return false;
  const host = u.hostname.toLowerCase();
  if (host === '' || host === 'localhost' || host.endsWith('.localhost') || !host.includes('.')) return false;
  if (/^[\d.]+$/.test(host) || host.startsWith('[')) return false; // IPv4 / IPv6 literals
  return true;
}

/** What the window-open handler does with a URL: never a new Electron window. */
export function windowOpenDecision(url: string): { action: 'deny'; openExternally: boolean } {
  return { action: 'deny', openExternally: isAllowedExternal(url) };
}

/** Downloads (exports) only from the console: its own URLs and the blob: URLs its pages make. */
export function isAllowedDownload(url: string, origin: string): boolean {
  const u = parse(url);
  if (!u) return false;
  if (u.protocol === 'blob:') return u.origin === origin; // blob:http://localhost:PORT/uuid
  return isAllowedNavigation(url, origin);
}

/** A file name from a download, safe as the save dialog's default (no folders, no control characters). */
export function safeFileName(name: string, fallback = 'export'): string {
  const base = name.split(/[\\/]/).pop() ?? '';
  // eslint-disable-next-line no-control-regex
  const clean = base
    .replace(/[\u0000-\u001f\u007f<>:"|?*]/g, '_')
    .replace(/^\.+/, '')
    .trim()
    .slice(0, 200);
  return clean === '' ? fallback : clean;
}

// ---------------------------------------------------------------------------
// Permissions: everything denied except what WebAuthn needs.

/**
 * Chromium does not route WebAuthn (navigator.credentials) through
 * Electron's permission handlers; platform authenticators need no grant. USB
 * security keys, though, are HID devices, and Electron asks about `hid` for
 * them on some platforms. So: `hid` for the console's own origin, nothing
 * else for anyone (no camera, microphone, notifications, geolocation,
 * clipboard reads, USB, serial, MIDI, …).
 */
export const WEBAUTHN_PERMISSIONS: readonly string[] = ['hid'];

export function permissionAllowed(permission: string, requestingOrigin: string | undefined, consoleOriginValue: string): boolean {
  if (!WEBAUTHN_PERMISSIONS.includes(permission)) return false;
  return requestingOrigin !== undefined && originOf(requestingOrigin) === consoleOriginValue;
}

/** The HID usage page of FIDO authenticators (security keys). */
export const FIDO_USAGE_PAGE = 0xf1d0;

/** Whether a HID device is a FIDO security key (the only devices the console may reach). */
export function isFidoHidDevice(device: unknown): boolean {
  if (!device || typeof device !== 'object') return false;
  const collections = (device as { collections?: unknown }).collections;
  return Array.isArray(collections) && collections.some((c) => !!c && typeof c === 'object' && (c as { usagePage?: unknown }).usagePage === FIDO_USAGE_PAGE);
}

/** Device grants (WebHID/WebUSB/serial): FIDO HID keys for the console, nothing else. */
export function devicePermissionAllowed(deviceType: string, origin: string, device: unknown, consoleOriginValue: string): boolean {
  return deviceType === 'hid' && originOf(origin) === consoleOriginValue && isFidoHidDevice(device);
}

// ---------------------------------------------------------------------------
// The launch secret header.

/**
 * The request headers to send: the launch secret added for requests to the
 * console's origin only (so it never leaves for another host), any copy the
 * page tried to set replaced.
 */
export function withLaunchHeader(url: string, headers: Record<string, string>, origin: string, header: string, secret: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(headers)) if (k.toLowerCase() !== header) out[k] = v;
  if (isAllowedNavigation(url, origin)) out[header] = secret;
  return out;
}

// ---------------------------------------------------------------------------
// The remembered window size.

function finite(n: unknown): n is number {
  return typeof n === 'number' && Number.isFinite(n);
}

/**
 * The saved window state, checked: sizes clamped to [minimum, the largest
 * screen], and the position kept only when the window's title bar area would
 * be on a screen (a monitor unplugged since, or a hand-edited file, must not
 * put the window out of reach). Anything unreadable gives the defaults.
 */
export function parseWindowState(raw: unknown, workAreas: readonly Rectangle[]): WindowState {
  const r = (raw && typeof raw === 'object' ? raw : {}) as Record<string, unknown>;
  const maxW = Math.min(MAX_WINDOW.width, Math.max(MIN_WINDOW.width, ...workAreas.map((a) => a.width)));
  const maxH = Math.min(MAX_WINDOW.height, Math.max(MIN_WINDOW.height, ...workAreas.map((a) => a.height)));
  const clamp = (v: unknown, min: number, max: number, dflt: number) => (finite(v) ? Math.round(Math.min(max, Math.max(min, v))) : dflt);
  const state: WindowState = {
    width: clamp(r.width, MIN_WINDOW.width, maxW, Math.min(DEFAULT_WINDOW_STATE.width, maxW)),
    height: clamp(r.height, MIN_WINDOW.height, maxH, Math.min(DEFAULT_WINDOW_STATE.height, maxH)),
    maximized: r.maximized === true,
  };
  if (finite(r.x) && finite(r.y)) {
    const x = Math.round(r.x);
    const y = Math.round(r.y);
    // The top strip of the window (where it is dragged from) must overlap a screen by a usable amount.
    const visible = workAreas.some((a) => {
      const overlapX = Math.min(x + state.width, a.x + a.width) - Math.max(x, a.x);
      return overlapX >= 100 && y >= a.y && y <= a.y + a.height - 40;
    });
    if (visible) {
      state.x = x;
      state.y = y;
    }
  }
  return state;
}
