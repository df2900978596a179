/**
 * The whole API the preload exposes to the console as `window.tessera`: three
 * named, typed functions and nothing else (no ipcRenderer, no generic bridge).
 * Saving exports needs no function here: a download from the console opens
 * the system save dialog (the main process handles `will-download`).
 */
import { IPC, type IpcChannel } from './ipcChannels';

export interface TesseraDesktopApi {
  /** Opens the system print dialog for the current page (enrollment sheets, recovery codes). */
  print(): Promise<void>;
  /** Shows the data folder (database, key, backups) in the system file manager. */
  openDataFolder(): Promise<void>;
  /** Tessera's version. */
  version(): string;
}

/** The name on `window`. */
export const DESKTOP_API_KEY = 'tessera';

/** The exposed function names: the preload's surface, checked by the tests. */
export const DESKTOP_API_FUNCTIONS = ['print', 'openDataFolder', 'version'] as const satisfies readonly (keyof TesseraDesktopApi)[];

/** The argument (webPreferences.additionalArguments) that carries the version to the sandboxed preload. */
export const VERSION_ARG = '--tessera-version=';

export function versionFromArgv(argv: readonly string[]): string {
  const arg = argv.find((a) => a.startsWith(VERSION_ARG));
  const v = arg?.slice(VERSION_ARG.length) ?? '';
  return /^[0-9A-Za-z.+-]{1,64}$/.test(v) ? v : 'unknown';
}

/**
 * Builds the API over `invoke` (ipcRenderer.invoke in the preload): each
 * function sends on its own channel, with no arguments from the page.
 */
export function createDesktopApi(invoke: (channel: IpcChannel) => Promise<unknown>, argv: readonly string[]): TesseraDesktopApi {
  const version = versionFromArgv(argv);
  return Object.freeze({
    print: async () => {
      await invoke(IPC.print);
    },
    openDataFolder: async () => {
      await invoke(IPC.openDataFolder);
    },
    version: () => version,
  });
}
