/**
 * The Electron main process (bundled to dist-electron/main.js, ESM): checks
 * that better-sqlite3 was built for this Electron, then runs the desktop app
 * (desktop.ts) — the Tessera server in this process, the console in one
 * hardened window.
 *
 * No top-level await: Electron emits `ready` only after this module has been
 * evaluated, and runDesktop must make its before-ready calls synchronously.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { app, BrowserWindow, dialog, ipcMain, Menu, safeStorage, screen, session, shell } from 'electron';
import { runDesktop } from './desktop';
import { checkNativeSqlite, PRELOAD_FILE } from './runtime';

const here = path.dirname(fileURLToPath(import.meta.url));

function fatal(title: string, err: unknown): void {
  const message = err instanceof Error ? err.message : String(err);
  console.error(`${title}: ${message}`);
  dialog.showErrorBox(title, message); // safe before `ready`
  app.exit(1);
}

const native = checkNativeSqlite(here, Number(process.versions.modules));
if (!native.ok) {
  fatal('Tessera cannot open its database', `better-sqlite3 has not been built for this Electron. ${native.problem}`);
} else {
  runDesktop(
    { app, BrowserWindow, dialog, ipcMain, Menu, safeStorage, screen, session, shell },
    { preloadPath: path.join(here, PRELOAD_FILE), sqliteNativeBinding: native.file },
  ).catch((err: unknown) => fatal('Tessera could not start', err));
}
