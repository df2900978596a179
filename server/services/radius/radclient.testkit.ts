import { spawn } from 'node:child_process';

/** FreeRADIUS's radclient (freeradius-utils) for the RADIUS tests: one Access-Request, its reply as radclient printed it. */

export interface RadclientResult {
  status: number | null;
  out: string;
  /** "Access-Accept", "Access-Reject", "Access-Challenge", or null when no reply came. */
  reply: string | null;
}

/** radclient -x with the attributes on stdin; -t 1 -r 1 so a dropped request fails within a second. */
export function radclient(port: number, attrs: Record<string, string>, secret: string): Promise<RadclientResult> {
  return new Promise((resolve, reject) => {
    const child = spawn('radclient', ['-x', '-t', '1', '-r', '1', `127.0.0.1:${port}`, 'auth', secret], { stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    child.on('error', reject);
    child.on('close', (status) => resolve({ status, out, reply: /Received (Access-\w+)/.exec(out)?.[1] ?? null }));
    child.stdin.end(
      Object.entries(attrs)
        .map(([k, v]) => `${k} = ${radclientValue(v)}\n`)
        .join(''),
    );
  });
}

/** Values with spaces or quotes are quoted (a directory password "user password 2026"); 0x… and bare words as they are. */
function radclientValue(v: string): string {
  return /^[\w.@:+-]+$/.test(v) ? v : `"${v.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}

/** Adds Message-Authenticator (radclient computes it for the placeholder). */
export const withMA = (attrs: Record<string, string>) => ({ ...attrs, 'Message-Authenticator': '0x00' });
