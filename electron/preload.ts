/**
 * The preload of the console window (sandboxed, context-isolated; bundled to
 * CommonJS as dist-electron/preload.cjs). It exposes `window.tessera`: print,
 * openDataFolder, version — see preloadApi.ts. The page never gets ipcRenderer.
 */
import { contextBridge, ipcRenderer } from 'electron';
import { createDesktopApi, DESKTOP_API_KEY } from './preloadApi';

contextBridge.exposeInMainWorld(
  DESKTOP_API_KEY,
  createDesktopApi((channel) => ipcRenderer.invoke(channel), process.argv),
);
