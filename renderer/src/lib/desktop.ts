/**
 * The desktop app's bridge, when the console runs inside it: `window.tessera`,
 * exposed by the Electron preload (print, openDataFolder, version). In a
 * browser it is absent and these helpers fall back to the web platform.
 *
 * Print buttons (enrollment sheets, recovery codes) call `printPage()`.
 */
import type { TesseraDesktopApi } from '../../../electron/preloadApi';

declare global {
  interface Window {
    /** Present only in the Tessera desktop app. */
    tessera?: TesseraDesktopApi;
  }
}

/** The desktop API, or null in a browser. */
export function desktopApi(): TesseraDesktopApi | null {
  return typeof window !== 'undefined' && window.tessera ? window.tessera : null;
}

export function isDesktop(): boolean {
  return desktopApi() !== null;
}

/** Prints the current page: the system print dialog in the desktop app, the browser's otherwise. */
export async function printPage(): Promise<void> {
  const api = desktopApi();
  if (api) await api.print();
  else window.print();
}

/** Shows the data folder in the file manager (desktop app only); false in a browser. */
export async function openDataFolder(): Promise<boolean> {
  const api = desktopApi();
  if (!api) return false;
  await api.openDataFolder();
  return true;
}

/** The desktop app's version, or null in a browser. */
export function desktopVersion(): string | null {
  return desktopApi()?.version() ?? null;
}
