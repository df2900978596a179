/**
 * When this browser last reached the server with the session cookie: every console request restarts the
 * server's idle clock for the session, so the idle warning (components/shell/IdleWarning.tsx) counts from
 * the last one. Shared by the console's tabs through localStorage: a tab in use keeps the others from
 * warning (they share the session cookie, so they share the session).
 */

const KEY = 'tessera-last-contact';
let last = 0;
const listeners = new Set<() => void>();

function stored(): number {
  try {
    const n = Number(window.localStorage.getItem(KEY));
    return Number.isFinite(n) ? n : 0;
  } catch {
    return 0;
  }
}

/** Records a request sent at `at` (its start: the server saw it no earlier). */
export function noteServerContact(at: number = Date.now()): void {
  if (at <= last) return;
  last = at;
  try {
    window.localStorage.setItem(KEY, String(at));
  } catch {
    // storage refused (private mode): this tab still counts its own requests
  }
  for (const l of listeners) l();
}

/** The newest request of any tab, in epoch ms (0: none seen yet). */
export function lastServerContact(): number {
  return Math.max(last, stored());
}

/** Calls `fn` whenever a request is recorded, here or in another tab. Returns the unsubscribe. */
export function onServerContact(fn: () => void): () => void {
  listeners.add(fn);
  const onStorage = (e: StorageEvent) => {
    if (e.key === KEY) fn();
  };
  window.addEventListener('storage', onStorage);
  return () => {
    listeners.delete(fn);
    window.removeEventListener('storage', onStorage);
  };
}

/** fetch for the console's own calls: a request the server answered with anything but 401 touched the session. */
export async function sessionFetch(input: RequestInfo | URL, init?: RequestInit): Promise<Response> {
  const sentAt = Date.now();
  const res = await fetch(input, init);
  if (res.status !== 401) noteServerContact(sentAt);
  return res;
}
