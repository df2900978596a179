/**
 * A stand-in for the parts of Electron the desktop app uses, for tests on
 * machines without the Electron binary. It records what the app asks of
 * Electron (window options, handlers, menu, dialogs) and lets a test play
 * Electron's side (emit navigation, invoke IPC, send a request through the
 * session's header hook). Behaviour is Electron's as documented for 45.x,
 * simplified; it proves the wiring, not Chromium.
 */
import { EventEmitter } from 'node:events';
import type { Rectangle } from 'electron';

export interface Preventable {
  defaultPrevented: boolean;
  preventDefault(): void;
}

export function preventable<T extends object>(extra: T = {} as T): T & Preventable {
  const ev = {
    ...extra,
    defaultPrevented: false,
    preventDefault() {
      ev.defaultPrevented = true;
    },
  };
  return ev;
}

export class FakeWebContents extends EventEmitter {
  static nextId = 1;
  readonly id = FakeWebContents.nextId++;
  windowOpenHandler: ((details: { url: string }) => { action: string }) | null = null;
  printed: unknown[] = [];
  /** What the next print() reports: [success, failureReason]. */
  printResult: [boolean, string] = [true, ''];

  setWindowOpenHandler(handler: (details: { url: string }) => { action: string }): void {
    this.windowOpenHandler = handler;
  }

  print(options: unknown, callback?: (success: boolean, failureReason: string) => void): void {
    this.printed.push(options);
    callback?.(...this.printResult);
  }

  /** Plays Electron: a frame is about to navigate; true when the app blocked it. */
  navigate(url: string, kind: 'will-frame-navigate' | 'will-redirect' = 'will-frame-navigate'): boolean {
    const ev = preventable({ url, isMainFrame: true, isSameDocument: false, frame: null });
    this.emit(kind, ev);
    return ev.defaultPrevented;
  }

  /** Plays Electron: window.open / target=_blank. */
  open(url: string): { action: string } {
    if (!this.windowOpenHandler) throw new Error('no window open handler installed');
    return this.windowOpenHandler({ url });
  }
}

export class FakeSession extends EventEmitter {
  permissionRequestHandler:
    | ((wc: unknown, permission: string, cb: (ok: boolean) => void, details: { requestingUrl: string; isMainFrame: boolean }) => void)
    | null = null;
  permissionCheckHandler: ((wc: unknown, permission: string, origin: string, details: unknown) => boolean) | null = null;
  devicePermissionHandler: ((details: { deviceType: string; origin: string; device: unknown }) => boolean) | null = null;
  beforeSendHeaders: {
    filter: { urls: string[] };
    listener: (details: { url: string; requestHeaders: Record<string, string> }, cb: (r: { requestHeaders?: Record<string, string> }) => void) => void;
  } | null = null;
  readonly webRequest = {
    onBeforeSendHeaders: (filter: { urls: string[] }, listener: NonNullable<FakeSession['beforeSendHeaders']>['listener']) => {
      this.beforeSendHeaders = { filter, listener };
    },
  };

  setPermissionRequestHandler(h: FakeSession['permissionRequestHandler']): void {
    this.permissionRequestHandler = h;
  }
  setPermissionCheckHandler(h: FakeSession['permissionCheckHandler']): void {
    this.permissionCheckHandler = h;
  }
  setDevicePermissionHandler(h: FakeSession['devicePermissionHandler']): void {
    this.devicePermissionHandler = h;
  }

  /** Plays Chromium: the headers a request to `url` leaves with (only URLs matching the filter pass the hook). */
  headersFor(url: string, headers: Record<string, string> = {}): Record<string, string> {
    const hook = this.beforeSendHeaders;
    if (!hook || !hook.filter.urls.some((p) => matchesPattern(url, p))) return headers;
    let out = headers;
    hook.listener({ url, requestHeaders: { ...headers } }, (r) => {
      out = r.requestHeaders ?? headers;
    });
    return out;
  }

  requestPermission(permission: string, requestingUrl: string): Promise<boolean> {
    return new Promise((resolve) => this.permissionRequestHandler!(null, permission, resolve, { requestingUrl, isMainFrame: true }));
  }

  /** Plays Electron: a download starts; returns whether it was cancelled and the save-dialog options set. */
  download(url: string, filename: string): { cancelled: boolean; saveDialog: unknown } {
    let saveDialog: unknown = null;
    const item = { getURL: () => url, getFilename: () => filename, setSaveDialogOptions: (o: unknown) => (saveDialog = o) };
    const ev = preventable();
    this.emit('will-download', ev, item, null);
    return { cancelled: ev.defaultPrevented, saveDialog };
  }
}

/** Chromium's URL patterns as Electron's webRequest filters use them: scheme://host[:port]/path with * wildcards. */
function matchesPattern(url: string, pattern: string): boolean {
  const re = new RegExp(
    `^${pattern
      .split('*')
      .map((s) => s.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
      .join('.*')}$`,
  );
  return re.test(url);
}

export interface FakeOptions {
  /** requestSingleInstanceLock's answer. */
  lock?: boolean;
  /** Folders for app.getPath. */
  paths: { appData: string; documents: string };
  isPackaged?: boolean;
  keychain?: { available?: boolean; backend?: string };
  displays?: Rectangle[];
  /** What showMessageBox answers. */
  messageBox?: { response: number; checkboxChecked: boolean };
  /** Told when a window loads a URL (for the bundle smoke test, which runs the app in another process). */
  onLoad?: (url: string, window: { options: Record<string, unknown> }) => void;
}

/** Builds one fake Electron; `api` has the shape desktop.ts expects (cast where used). */
export function createFakeElectron(opts: FakeOptions) {
  const events: string[] = [];
  const paths = new Map<string, string>([
    ['appData', opts.paths.appData],
    ['documents', opts.paths.documents],
  ]);
  let ready = false;
  const windows: FakeBrowserWindow[] = [];

  class FakeApp extends EventEmitter {
    name = 'Electron';
    isPackaged = opts.isPackaged ?? false;
    exitCode: number | null = null;
    quitRequested = 0;
    quitted = false;
    sandboxEnabled = false;
    setName(name: string) {
      events.push(`setName:${name}`);
      this.name = name;
    }
    getName() {
      return this.name;
    }
    setPath(name: string, value: string) {
      if (ready && name === 'userData') throw new Error('userData set after ready');
      events.push(`setPath:${name}`);
      paths.set(name, value);
    }
    getPath(name: string) {
      const p = paths.get(name);
      if (!p) throw new Error(`fake app.getPath: no ${name}`);
      return p;
    }
    requestSingleInstanceLock() {
      events.push('requestSingleInstanceLock');
      return opts.lock ?? true;
    }
    enableSandbox() {
      if (ready) throw new Error('app.enableSandbox() must be called before the app is ready');
      events.push('enableSandbox');
      this.sandboxEnabled = true;
    }
    whenReady() {
      events.push('whenReady');
      return new Promise<void>((resolve) =>
        setImmediate(() => {
          ready = true;
          events.push('ready');
          resolve();
        }),
      );
    }
    isReady() {
      return ready;
    }
    quit() {
      this.quitRequested++;
      const ev = preventable();
      this.emit('before-quit', ev);
      if (!ev.defaultPrevented) this.quitted = true;
    }
    exit(code = 0) {
      this.exitCode = code;
    }
  }
  const app = new FakeApp();
  const session = { defaultSession: new FakeSession() };

  class FakeBrowserWindow extends EventEmitter {
    static getAllWindows() {
      return windows.filter((w) => !w.destroyed);
    }
    static getFocusedWindow() {
      return windows.find((w) => !w.destroyed) ?? null;
    }
    readonly webContents = new FakeWebContents();
    loaded: string[] = [];
    shown = false;
    focused = 0;
    minimized = false;
    maximized = false;
    destroyed = false;
    constructor(readonly options: Record<string, unknown>) {
      super();
      if (!ready) throw new Error('BrowserWindow before ready');
      windows.push(this);
      app.emit('web-contents-created', preventable(), this.webContents);
    }
    async loadURL(url: string) {
      this.loaded.push(url);
      opts.onLoad?.(url, this);
      setImmediate(() => this.emit('ready-to-show'));
    }
    show() {
      this.shown = true;
    }
    focus() {
      this.focused++;
    }
    isMinimized() {
      return this.minimized;
    }
    restore() {
      this.minimized = false;
    }
    maximize() {
      this.maximized = true;
    }
    isMaximized() {
      return this.maximized;
    }
    getNormalBounds() {
      const o = this.options as { width: number; height: number; x?: number; y?: number };
      return { width: o.width, height: o.height, x: o.x ?? 40, y: o.y ?? 30 };
    }
    /** Plays the user closing the window. */
    close() {
      const ev = preventable();
      this.emit('close', ev);
      if (ev.defaultPrevented) return;
      this.destroyed = true;
      this.emit('closed');
      if (FakeBrowserWindow.getAllWindows().length === 0) app.emit('window-all-closed');
    }
  }

  const handlers = new Map<string, (event: unknown, ...args: unknown[]) => unknown>();
  const ipcMain = {
    handle(channel: string, fn: (event: unknown, ...args: unknown[]) => unknown) {
      if (handlers.has(channel)) throw new Error(`second handler for ${channel}`);
      handlers.set(channel, fn);
    },
    /** Plays the renderer: ipcRenderer.invoke from `sender` in a frame at `frameUrl` (parent null: top frame). */
    async invoke(channel: string, sender: FakeWebContents, frame: { url: string; parent: unknown } | null, ...args: unknown[]) {
      const fn = handlers.get(channel);
      if (!fn) throw new Error(`No handler registered for '${channel}'`);
      return fn({ sender, senderFrame: frame }, ...args);
    },
    channels: () => [...handlers.keys()],
  };

  const menus: { template: unknown[] }[] = [];
  const Menu = {
    buildFromTemplate: (template: unknown[]) => ({ template }),
    setApplicationMenu: (m: { template: unknown[] }) => {
      menus.push(m);
    },
  };

  const opened: string[] = [];
  const openedPaths: string[] = [];
  const shell = {
    openExternal: async (url: string) => {
      opened.push(url);
    },
    openPath: async (p: string) => {
      openedPaths.push(p);
      return '';
    },
  };

  const errorBoxes: { title: string; content: string }[] = [];
  const messageBoxes: Record<string, unknown>[] = [];
  const dialog = {
    showErrorBox: (title: string, content: string) => {
      errorBoxes.push({ title, content });
    },
    showMessageBox: async (...args: unknown[]) => {
      const options = (args.length > 1 ? args[1] : args[0]) as Record<string, unknown>;
      messageBoxes.push(options);
      return opts.messageBox ?? { response: 0, checkboxChecked: false };
    },
  };

  const keychainKey = 0x5a;
  const sealed = (s: string) => Buffer.concat([Buffer.from('FAKE-KEYCHAIN:'), Buffer.from(s, 'utf8').map((b) => b ^ keychainKey)]);
  const safeStorage = {
    isAsyncEncryptionAvailable: async () => {
      if (!ready) throw new Error('safeStorage before ready');
      return opts.keychain?.available ?? true;
    },
    getSelectedStorageBackend: () => (ready ? (opts.keychain?.backend ?? 'gnome_libsecret') : 'unknown'),
    encryptStringAsync: async (s: string) => sealed(s),
    decryptStringAsync: async (b: Buffer) => {
      const prefix = Buffer.from('FAKE-KEYCHAIN:');
      if (!b.subarray(0, prefix.length).equals(prefix)) throw new Error('Error while decrypting the ciphertext provided to safeStorage.decryptString.');
      return { result: Buffer.from(b.subarray(prefix.length).map((x) => x ^ keychainKey)).toString('utf8'), shouldReEncrypt: false };
    },
  };

  const screen = {
    getAllDisplays: () => (opts.displays ?? [{ x: 0, y: 0, width: 1920, height: 1080 }]).map((workArea) => ({ workArea })),
  };

  return {
    api: { app, BrowserWindow: FakeBrowserWindow, Menu, session, ipcMain, shell, dialog, safeStorage, screen },
    app,
    session: session.defaultSession,
    ipcMain,
    windows,
    menus,
    opened,
    openedPaths,
    errorBoxes,
    messageBoxes,
    events,
  };
}

export type FakeElectron = ReturnType<typeof createFakeElectron>;
