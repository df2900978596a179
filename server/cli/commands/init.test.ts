import fs from 'node:fs';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort } from '../../testing/serverProcess';
import { main } from '../main';
import { run, tempDir } from '../testkit';

/** Issue 18: the setup link `tessera init` prints points where `tessera serve` listens, with the same flags or environment. */

const dirs: string[] = [];
function dataDir(): string {
  const d = tempDir('tessera-init-');
  dirs.push(d);
  return path.join(d, 'data');
}
afterAll(() => {
  for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
});

const LINK = /(http:\/\/\S+)\/setup\?token=([A-Za-z0-9_-]+)/;

/** `tessera serve` in-process with these arguments and environment, until `stop`; resolves once it listens. */
async function serve(argv: string[], env: NodeJS.ProcessEnv): Promise<{ url: string; stop: () => Promise<void> }> {
  const controller = new AbortController();
  const stdin = new PassThrough();
  stdin.end();
  let listening: (url: string) => void;
  const url = new Promise<string>((r) => (listening = r));
  let out = '';
  const done = main(['serve', ...argv], {
    stdout: {
      write: (s: string) => {
        out += s;
        const m = /listening on (http:\S+)/.exec(out);
        if (m) listening(m[1]!);
        return true;
      },
    },
    stderr: { write: (s: string) => (out += s) },
    stdin,
    env,
    signal: controller.signal,
  });
  const first = await Promise.race([url, done.then((code) => `exit ${code}: ${out}`)]);
  if (!first.startsWith('http')) throw new Error(`serve did not start: ${first}`);
  return {
    url: first,
    stop: async () => {
      controller.abort();
      await done;
    },
  };
}

/** Asks the server behind `base` whether the token is a live setup token (the setup page's own question). */
async function tokenValidAt(base: string, token: string): Promise<boolean> {
  const res = await fetch(`${base}/trpc/system.setupTokenValid?input=${encodeURIComponent(JSON.stringify({ token }))}`);
  expect(res.status).toBe(200);
  return ((await res.json()) as { result: { data: { valid: boolean } } }).result.data.valid;
}

describe('init prints the setup link for the address serve will use', () => {
  it('TESSERA_PORT: the link names that port, and serve with the same environment answers the token there', async () => {
    const data = dataDir();
    const port = await freePort();
    const env = { TESSERA_PORT: String(port) };
    const init = await run(['init', '--data', data], { env });
    expect(init.code, init.stderr).toBe(0);
    const [, base, token] = LINK.exec(init.stdout) ?? [];
    expect(base).toBe(`http://127.0.0.1:${port}`);
    expect(init.stdout).toContain('Start the server first: tessera serve\n');

    const server = await serve(['--data', data], env);
    try {
      expect(server.url).toBe(base);
      expect(await tokenValidAt(base!, token!)).toBe(true);
    } finally {
      await server.stop();
    }
  });

  it('--port and --host: the link names them and the serve command to run repeats them', async () => {
    const data = dataDir();
    const port = await freePort();
    const init = await run(['init', '--data', data, '--host', '127.0.0.1', '--port', String(port)]);
    expect(init.code, init.stderr).toBe(0);
    const [, base, token] = LINK.exec(init.stdout) ?? [];
    expect(base).toBe(`http://127.0.0.1:${port}`);
    expect(init.stdout).toContain(`Start the server first: tessera serve --host 127.0.0.1 --port ${port}\n`);

    const server = await serve(['--data', data, '--host', '127.0.0.1', '--port', String(port)], {});
    try {
      expect(await tokenValidAt(server.url, token!)).toBe(true);
    } finally {
      await server.stop();
    }
  });

  it('without flags or environment: 127.0.0.1:8787, the port serve listens on by default', async () => {
    const init = await run(['init', '--data', dataDir()]);
    expect(init.code, init.stderr).toBe(0);
    expect(LINK.exec(init.stdout)?.[1]).toBe('http://127.0.0.1:8787');
  });

  it('a wildcard host is reached at 127.0.0.1, an IPv6 address in brackets', async () => {
    const wildcard = await run(['init', '--data', dataDir(), '--host', '0.0.0.0', '--port', '9100']);
    expect(LINK.exec(wildcard.stdout)?.[1]).toBe('http://127.0.0.1:9100');
    const v6 = await run(['init', '--data', dataDir()], { env: { TESSERA_HOST: '::1', TESSERA_PORT: '9101' } });
    expect(LINK.exec(v6.stdout)?.[1]).toBe('http://[::1]:9101');
  });

  it('port 0: no link (the port is only known once serve runs, and serve prints the link then)', async () => {
    const init = await run(['init', '--data', dataDir(), '--port', '0']);
    expect(init.code, init.stderr).toBe(0);
    expect(init.stdout).not.toMatch(LINK);
    expect(init.stdout).toContain('Start the server with "tessera serve --port 0": it prints a one-time link');
  });

  it('a bad TESSERA_PORT is a usage error before anything is created, in the same words serve uses', async () => {
    const data = dataDir();
    const init = await run(['init', '--data', data], { env: { TESSERA_PORT: 'eighty' } });
    expect(init.code).toBe(2);
    expect(init.stderr).toContain('TESSERA_PORT must be a number from 0 to 65535, not "eighty"');
    expect(fs.existsSync(data)).toBe(false);
    const serveRun = await run(['serve', '--data', data], { env: { TESSERA_PORT: 'eighty' } });
    expect(serveRun.code).toBe(2);
    expect(serveRun.stderr).toContain('TESSERA_PORT must be a number from 0 to 65535, not "eighty"');
  });
});
