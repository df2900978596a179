/**
 * The IPC channels between the preload and the main process, and the check
 * every handler makes on the sender. Pure: imported by the sandboxed preload
 * (which may load nothing but 'electron') and by the unit tests.
 */

/** One channel per preload function; there is no generic send(channel, …) bridge. */
export const IPC = {
  print: 'tessera:print',
  openDataFolder: 'tessera:open-data-folder',
} as const;

export type IpcChannel = (typeof IPC)[keyof typeof IPC];

/** What the main process knows about the frame that sent an IPC message (Electron's WebFrameMain, or null once it is gone). */
export interface SenderFrame {
  url: string;
  /** The parent frame, null for a top-level frame. */
  parent: unknown;
}

/**
 * Whether an IPC message may be acted on: it must come from the top-level
 * frame of the console's own origin. An iframe, a page the window was
 * somehow navigated to, or a frame already gone is refused.
 */
export function isTrustedSender(frame: SenderFrame | null | undefined, consoleOrigin: string): boolean {
  if (!frame || frame.parent !== null) return false;
  let url: URL;
  try {
    url = new URL(frame.url);
  } catch {
    return false;
  }
  return url.protocol === 'http:' && url.username === '' && url.password === '' && url.origin === consoleOrigin;
}

/** The error a refused IPC call rejects with (the renderer sees only this text). */
export const REFUSED_SENDER = 'Refused: this request did not come from the Tessera console window';
