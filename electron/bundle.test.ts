import { spawn } from 'node:child_process';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildElectron, ROOT } from '../build/electron';
import { LAUNCH_SECRET_HEADER } from '../server/tessera';
import { NATIVE_SQLITE, PRELOAD_FILE } from './runtime';

/**
 * The built main process (esbuild's dist-electron/main.js), run under plain
 * Node with `electron` resolved to the fake: proves the bundle loads (ESM
 * imports of the server and npm packages), checks its better-sqlite3 build,
 * starts the server and opens the console with the launch secret — what
 * `electron .` does first, minus Chromium.
 */

// A build folder beside package.json: main.js finds ../package.json (its version) as in a real build.
const out = path.join(ROOT, `.electron-smoke-${process.pid}`);
const home = fs.mkdtempSync(path.join(os.tmpdir(), 'tessera-bundle-'));

beforeAll(async () => {
  await buildElectron(out);
}, 60_000);

afterAll(() => {
  fs.rmSync(out, { recursive: true, force: true });
  fs.rmSync(home, { recursive: true, force: true });
});

function runMain(
  env: NodeJS.ProcessEnv,
  until: RegExp,
  timeoutMs = 30_000,
): Promise<{ output: string; line: string | null; code: number | null; kill(): void }> {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', '--import', path.join(ROOT, 'electron', 'testing', 'electronLoader.mjs'), path.join(out, 'main.js')],
    {
      cwd: ROOT,
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let output = '';
  return new Promise((resolve) => {
    const done = (line: string | null) => {
      clearTimeout(timer);
      resolve({ output, line, code: child.exitCode, kill: () => child.kill('SIGKILL') });
    };
    const onData = (c: Buffer) => {
      output += c.toString();
      const m = until.exec(output);
      if (m) done(m[0]);
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.on('exit', () => setImmediate(() => done(null)));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      done(null);
    }, timeoutMs);
  });
}

describe('dist-electron/main.js', () => {
  it('contains the server and the preload is CommonJS with only electron required', () => {
    const main = fs.readFileSync(path.join(out, 'main.js'), 'utf8');
    expect(main).toMatch(/from "electron"/);
    expect(main).toContain('x-tessera-launch');
    const preload = fs.readFileSync(path.join(out, PRELOAD_FILE), 'utf8');
    expect([...preload.matchAll(/require\("([^"]+)"\)/g)].map((m) => m[1])).toEqual(['electron']);
    expect(preload).not.toMatch(/^\s*(import|export)\s/m);
    expect(preload).toContain('exposeInMainWorld');
  });

  it('refuses to start without better-sqlite3 built for this runtime, saying what to run', async () => {
    const r = await runMain({ FAKE_ELECTRON_DIR: home, TESSERA_DATA: path.join(home, 'data0') }, /FAKE_ELECTRON_ERROR_BOX[^\n]*\n/);
    r.kill();
    expect(r.line).toMatch(/better-sqlite3 has not been built for this Electron.*npm run rebuild:electron/);
  }, 40_000);

  it('starts the server in-process and opens the console with the launch secret', async () => {
    // Under Node the "Electron" ABI is Node's: node_modules' own build passes the check.
    const addon = path.join(path.dirname(createRequire(import.meta.url).resolve('better-sqlite3/package.json')), 'build', 'Release', 'better_sqlite3.node');
    fs.mkdirSync(path.join(out, 'native'), { recursive: true });
    fs.copyFileSync(addon, path.join(out, NATIVE_SQLITE));
    const data = path.join(home, 'data');
    const r = await runMain({ FAKE_ELECTRON_DIR: home, TESSERA_DATA: data, TESSERA_USER_DATA: path.join(home, 'ud') }, /FAKE_ELECTRON_LOADED ([^\n]*)\n/);
    try {
      expect(r.line, r.output).not.toBeNull();
      const report = JSON.parse(r.line!.replace(/^FAKE_ELECTRON_LOADED /, '')) as {
        url: string;
        headers: Record<string, string>;
        webPreferences: Record<string, unknown>;
      };
      expect(report.url).toMatch(/^http:\/\/localhost:\d+\/setup\?token=/);
      expect(report.webPreferences).toMatchObject({ contextIsolation: true, sandbox: true, nodeIntegration: false, preload: path.join(out, PRELOAD_FILE) });
      expect(r.output).toMatch(/console at http:\/\/localhost:\d+ \(this window only\)/);
      const port = new URL(report.url).port;
      const withSecret = await fetch(`http://127.0.0.1:${port}/`, { headers: { ...report.headers, host: `localhost:${port}` } });
      expect(withSecret.status).toBe(200);
      expect(report.headers[LAUNCH_SECRET_HEADER]).toBeTruthy();
      const without = await fetch(`http://127.0.0.1:${port}/`, { headers: { host: `localhost:${port}` } });
      expect(without.status).toBe(403);
      expect(fs.existsSync(path.join(data, 'tessera.db'))).toBe(true);
    } finally {
      r.kill();
    }
  }, 40_000);
});
