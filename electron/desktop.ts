/**
 * The desktop app: starts the Tessera server in this (main) process and opens
 * the console in one hardened window. Electron is passed in (electron/main.ts
 * passes the real module; the tests a fake), so every wire here is tested
 * without the Electron binary. The rules themselves are in policy.ts,
 * ipcChannels.ts, masterKey.ts and menu.ts.
 *
 * Call `runDesktop` synchronously from the entry module: what must happen
 * before Electron's `ready` (single-instance lock, sandbox for every renderer,
 * the userData folder) runs before its first await.
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type * as ElectronNs from 'electron';
import { defaultDataDir, firstAdminSetupPath, LAUNCH_SECRET_HEADER, startTessera, VERSION, type RunningTessera } from '../server/tessera';
import { IPC, isTrustedSender, REFUSED_SENDER } from './ipcChannels';
import { resolveMasterKey } from './masterKey';
import { menuTemplate } from './menu';
import {
  consoleOrigin,
  devicePermissionAllowed,
  isAllowedDownload,
  isAllowedExternal,
  isAllowedNavigation,
  isFidoHidDevice,
  parseWindowState,
  permissionAllowed,
  safeFileName,
  windowOpenDecision,
  windowOptions,
  withLaunchHeader,
  type WindowState,
} from './policy';

type Electron = typeof ElectronNs;
/** The parts of Electron the desktop app uses. */
export type ElectronApi = Pick<Electron, 'app' | 'BrowserWindow' | 'Menu' | 'session' | 'ipcMain' | 'shell' | 'dialog' | 'safeStorage' | 'screen'>;

export interface DesktopOptions {
  /** dist-electron/preload.cjs. */
  preloadPath: string;
  env?: NodeJS.ProcessEnv;
  platform?: NodeJS.Platform;
  /** better-sqlite3 built for Electron's ABI; undefined: node_modules' own (the tests, under Node). */
  sqliteNativeBinding?: string;
  /** The built console; default: the server's (renderer/dist next to the app). */
  consoleDir?: string | null;
  /** One line for the terminal / log. */
  log?: (line: string) => void;
}

export interface DesktopHandle {
  /** http://localhost:PORT */
  origin: string;
  dataDir: string;
  running: RunningTessera;
  window: ElectronNs.BrowserWindow;
}

/** The Electron profile folder under the OS app-data folder (never the data folder). */
export const PROFILE_FOLDER = 'Tessera Desktop';
export const WINDOW_STATE_FILE = 'window-state.json';
export const PREFS_FILE = 'desktop-prefs.json';

interface Prefs {
  /** The operator ticked "don't show again" on the key-file warning. */
  keyFileWarningDismissed?: boolean;
}

function readJson(file: string): unknown {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8')) as unknown;
  } catch {
    return null;
  }
}

function writeJson(file: string, value: unknown): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, `${JSON.stringify(value, null, 2)}\n`, { mode: 0o600 });
  fs.renameSync(tmp, file);
}

/** Prints the page in `contents` through the system print dialog; a cancelled dialog is not an error. */
export function printContents(contents: Pick<ElectronNs.WebContents, 'print'>): Promise<void> {
  return new Promise((resolve, reject) => {
    contents.print({ silent: false, printBackground: true }, (ok, reason) => {
      if (ok || reason === 'cancelled') resolve();
      else reject(new Error(`Printing failed: ${reason}`));
    });
  });
}

/**
 * Navigation, new windows and webviews for every web contents the app makes
 * (installed on `web-contents-created`, before any page loads). `origin()` is
 * null until the server listens: until then nothing may load.
 */
export function hardenContents(contents: ElectronNs.WebContents, origin: () => string | null, shell: Pick<Electron['shell'], 'openExternal'>): void {
  contents.setWindowOpenHandler(({ url }) => {
    const decision = windowOpenDecision(url);
    if (decision.openExternally) void shell.openExternal(url);
    return { action: 'deny' };
  });
  const guard = (event: { preventDefault(): void }, url: string) => {
    const o = origin();
    if (o !== null && isAllowedNavigation(url, o)) return;
    event.preventDefault();
    if (isAllowedExternal(url)) void shell.openExternal(url); // a plain external link: the system browser
  };
  contents.on('will-frame-navigate', (details) => guard(details, details.url));
  contents.on('will-redirect', (details) => guard(details, details.url));
  contents.on('will-attach-webview', (event) => event.preventDefault());
}

/** Permissions, devices, the launch-secret header and downloads for the console's session. */
export function hardenSession(ses: ElectronNs.Session, origin: string, launchSecret: string, app: Pick<Electron['app'], 'getPath'>): void {
  ses.setPermissionRequestHandler((_contents, permission, callback, details) => callback(permissionAllowed(permission, details.requestingUrl, origin)));
  ses.setPermissionCheckHandler((_contents, permission, requestingOrigin) => permissionAllowed(permission, requestingOrigin, origin));
  ses.setDevicePermissionHandler((details) => devicePermissionAllowed(details.deviceType, details.origin, details.device, origin));
  // A WebAuthn request may ask which security key to use: the first FIDO key, only for the console's top frame.
  ses.on('select-hid-device', (event, details, callback) => {
    event.preventDefault();
    const frame = details.frame ? { url: details.frame.url, parent: details.frame.parent } : null;
    callback(isTrustedSender(frame, origin) ? (details.deviceList.find(isFidoHidDevice)?.deviceId ?? null) : null);
  });
  ses.on('select-usb-device', (event, _details, callback) => {
    event.preventDefault();
    callback();
  });
  ses.on('select-serial-port', (event, _ports, _contents, callback) => {
    event.preventDefault();
    callback('');
  });
  // Only this window's requests carry the launch secret: the server admits nothing else to the console.
  ses.webRequest.onBeforeSendHeaders({ urls: [`${origin}/*`] }, (details, callback) => {
    callback({ requestHeaders: withLaunchHeader(details.url, details.requestHeaders, origin, LAUNCH_SECRET_HEADER, launchSecret) });
  });
  // Exports: the console downloads them; Electron asks where to save with the system save dialog.
  ses.on('will-download', (event, item) => {
    if (!isAllowedDownload(item.getURL(), origin)) {
      event.preventDefault();
      return;
    }
    item.setSaveDialogOptions({ title: 'Save export', defaultPath: path.join(app.getPath('documents'), safeFileName(item.getFilename())) });
  });
}

/**
 * Starts the desktop app. Resolves with the running pieces once the console
 * is loading, or null when another instance already runs (this one quits).
 */
export async function runDesktop(electron: ElectronApi, opts: DesktopOptions): Promise<DesktopHandle | null> {
  const { app, BrowserWindow, Menu, dialog, ipcMain, shell } = electron;
  const env = opts.env ?? process.env;
  const platform = opts.platform ?? process.platform;
  const log = opts.log ?? ((line: string) => console.log(line));

  // --- Before `ready` (synchronous) ---------------------------------------
  // One name and profile folder whether run from a checkout (`electron .`) or packaged. The
  // profile (Chromium's files, window size) is not the data folder: on Windows and macOS
  // that is <appData>/Tessera, and it should hold Tessera's data only.
  app.setName('Tessera');
  app.setPath('userData', env.TESSERA_USER_DATA ? path.resolve(env.TESSERA_USER_DATA) : path.join(app.getPath('appData'), PROFILE_FOLDER));
  if (!app.requestSingleInstanceLock()) {
    log('Tessera is already running: focusing its window.');
    app.quit();
    return null;
  }
  app.enableSandbox(); // every renderer sandboxed, whatever its webPreferences say

  let origin: string | null = null;
  let win: ElectronNs.BrowserWindow | null = null;
  let running: RunningTessera | null = null;
  let stopped = false;

  app.on('web-contents-created', (_event, contents) => hardenContents(contents, () => origin, shell));
  app.on('second-instance', () => {
    if (!win) return;
    if (win.isMinimized()) win.restore();
    win.show();
    win.focus();
  });
  app.on('window-all-closed', () => app.quit());
  app.on('before-quit', (event) => {
    if (!running || stopped) return;
    event.preventDefault(); // stop the server cleanly (WAL checkpoint, sessions), then quit
    const r = running;
    running = null;
    void r
      .close()
      .catch((err: unknown) => log(`Stopping the server failed: ${(err as Error).message}`))
      .finally(() => {
        stopped = true;
        app.quit();
      });
  });

  await app.whenReady();

  // --- After `ready` ------------------------------------------------------
  const dataDir = defaultDataDir(env);
  fs.mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const key = await resolveMasterKey(dataDir, electron.safeStorage, { platform, env });
  const launchSecret = randomBytes(32).toString('base64url');
  running = await startTessera({
    dataDir,
    host: '127.0.0.1',
    port: 0,
    env,
    launchSecret,
    ...(key.masterKey ? { masterKey: key.masterKey } : {}),
    ...(opts.sqliteNativeBinding ? { sqliteNativeBinding: opts.sqliteNativeBinding } : {}),
    ...(opts.consoleDir !== undefined ? { consoleDir: opts.consoleDir } : {}),
  });
  const server = running;
  origin = consoleOrigin(server.port);
  const consoleAt = origin;
  log(`Tessera ${VERSION} desktop: console at ${consoleAt} (this window only), REST API for applications at ${consoleAt}/api/v1, data in ${dataDir}`);
  log(
    key.plan === 'file'
      ? `Master key: key file (${key.warning ?? ''})`
      : `Master key: ${key.plan === 'env' ? 'TESSERA_MASTER_KEY' : 'sealed by the OS keychain'}`,
  );

  const ses = electron.session.defaultSession;
  hardenSession(ses, consoleAt, launchSecret, app);

  // IPC: one handler per preload function, each checking that the console's top frame sent it.
  const trusted = (event: ElectronNs.IpcMainInvokeEvent) => {
    const f = event.senderFrame;
    return win !== null && event.sender === win.webContents && isTrustedSender(f ? { url: f.url, parent: f.parent } : null, consoleAt);
  };
  ipcMain.handle(IPC.print, async (event) => {
    if (!trusted(event)) throw new Error(REFUSED_SENDER);
    await printContents(event.sender);
  });
  ipcMain.handle(IPC.openDataFolder, async (event) => {
    if (!trusted(event)) throw new Error(REFUSED_SENDER);
    const problem = await shell.openPath(dataDir);
    if (problem) throw new Error(problem);
  });

  const devTools = !app.isPackaged;
  const about = () => {
    void dialog.showMessageBox({
      type: 'info',
      title: 'About Tessera',
      message: `Tessera ${VERSION}`,
      detail: [
        `Electron ${process.versions.electron ?? '?'} · Chromium ${process.versions.chrome ?? '?'} · Node ${process.versions.node}`,
        `Data folder: ${dataDir}`,
      ].join('\n'),
      buttons: ['OK'],
    });
  };
  Menu.setApplicationMenu(
    Menu.buildFromTemplate(
      menuTemplate(
        {
          print: () => {
            const target = BrowserWindow.getFocusedWindow() ?? win;
            if (target) printContents(target.webContents).catch((err: unknown) => dialog.showErrorBox('Printing failed', (err as Error).message));
          },
          openDataFolder: () => void shell.openPath(dataDir),
          about,
        },
        { platform, devTools },
      ),
    ),
  );

  // The window, at its remembered size.
  const stateFile = path.join(app.getPath('userData'), WINDOW_STATE_FILE);
  const state = parseWindowState(
    readJson(stateFile),
    electron.screen.getAllDisplays().map((d) => d.workArea),
  );
  const window = new BrowserWindow(windowOptions(opts.preloadPath, { state, version: VERSION, devTools }));
  win = window;
  if (state.maximized) window.maximize();
  window.once('ready-to-show', () => window.show());
  window.on('close', () => {
    const b = window.getNormalBounds();
    const saved: WindowState = { width: b.width, height: b.height, x: b.x, y: b.y, maximized: window.isMaximized() };
    try {
      writeJson(stateFile, saved);
    } catch (err) {
      log(`Could not save the window size: ${(err as Error).message}`);
    }
  });
  window.on('closed', () => {
    win = null;
  });

  // First run: straight to the one-time setup page for the first admin.
  const setup = firstAdminSetupPath(server, 'desktop');
  await window.loadURL(`${consoleAt}${setup ?? '/'}`);

  if (key.warning) {
    log(`WARNING: ${key.warning}`);
    const prefsFile = path.join(app.getPath('userData'), PREFS_FILE);
    const prefs = (readJson(prefsFile) ?? {}) as Prefs;
    if (!prefs.keyFileWarningDismissed) {
      void dialog
        .showMessageBox(window, {
          type: 'warning',
          title: 'Master key not in the OS keychain',
          message: 'Tessera keeps its master key in a file on this computer',
          detail: key.warning,
          checkboxLabel: "Don't show this again on this computer",
          buttons: ['OK'],
        })
        .then(({ checkboxChecked }) => {
          if (checkboxChecked) writeJson(prefsFile, { ...prefs, keyFileWarningDismissed: true });
        });
    }
  }
  return { origin: consoleAt, dataDir, running: server, window };
}
