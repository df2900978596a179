/**
 * The fake Electron as a module with Electron's named exports, for running the
 * built dist-electron/main.js under Node (see electronLoader.mjs). Folders
 * come from FAKE_ELECTRON_DIR. When the window loads the console it prints one
 * line: `FAKE_ELECTRON_LOADED {"url", "headers", "webPreferences"}` — the
 * headers are what the app's session hook adds to a request to that URL.
 */
import path from 'node:path';
import { createFakeElectron } from './fakeElectron';

const dir = process.env.FAKE_ELECTRON_DIR;
if (!dir) throw new Error('FAKE_ELECTRON_DIR is not set');

const fake = createFakeElectron({
  paths: { appData: path.join(dir, 'appData'), documents: path.join(dir, 'Documents') },
  onLoad: (url, win) => {
    const report = { url, headers: fake.session.headersFor(url), webPreferences: win.options.webPreferences };
    process.stdout.write(`FAKE_ELECTRON_LOADED ${JSON.stringify(report)}\n`);
  },
});

// In its own process the fake ends the process like Electron would, and shows error boxes on stderr.
const recordExit = fake.app.exit.bind(fake.app);
fake.app.exit = (code = 0) => {
  recordExit(code);
  process.exit(code);
};
const recordError = fake.api.dialog.showErrorBox;
fake.api.dialog.showErrorBox = (title: string, content: string) => {
  recordError(title, content);
  process.stderr.write(`FAKE_ELECTRON_ERROR_BOX ${title}: ${content}\n`);
};

export const { app, BrowserWindow, dialog, ipcMain, Menu, safeStorage, screen, session, shell } = fake.api;
export default fake.api;
