import fs from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { checkNativeSqlite, desktopUnavailable, findElectronRuntime, nativeModuleAbi, NATIVE_SQLITE } from './runtime';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});
function tempDir(): string {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'tessera-rt-'));
  dirs.push(d);
  return d;
}

/** A checkout with a node_modules/electron package as electron@45 installs it (no binary until downloaded). */
function checkout(opts: { pathTxt?: string; binary?: boolean; abi?: string | null } = {}): string {
  const root = tempDir();
  fs.writeFileSync(path.join(root, 'package.json'), '{"name":"x","type":"module"}');
  const pkg = path.join(root, 'node_modules', 'electron');
  fs.mkdirSync(pkg, { recursive: true });
  fs.writeFileSync(path.join(pkg, 'package.json'), '{"name":"electron","version":"45.5.0","main":"index.js"}');
  fs.writeFileSync(path.join(pkg, 'index.js'), 'throw new Error("would download");');
  if (opts.abi !== null) fs.writeFileSync(path.join(pkg, 'abi_version'), opts.abi ?? '150');
  if (opts.pathTxt) fs.writeFileSync(path.join(pkg, 'path.txt'), opts.pathTxt);
  if (opts.binary) {
    fs.mkdirSync(path.join(pkg, 'dist'), { recursive: true });
    fs.writeFileSync(path.join(pkg, 'dist', opts.pathTxt ?? 'electron'), '');
  }
  return root;
}

describe('findElectronRuntime (never requires electron: that would download)', () => {
  it('no electron package', () => {
    const root = tempDir();
    fs.writeFileSync(path.join(root, 'package.json'), '{}');
    expect(findElectronRuntime({ root, env: {} })).toEqual({ missing: expect.stringMatching(/not installed/) });
  });

  it('the package without its binary (our machines)', () => {
    const r = findElectronRuntime({ root: checkout(), env: {} });
    expect(r).toMatchObject({
      missing: expect.stringMatching(/Electron 45\.5\.0 runtime binary is not installed.*install-electron/),
      version: '45.5.0',
      abi: 150,
    });
  });

  it('path.txt pointing at a binary that is gone', () => {
    expect(findElectronRuntime({ root: checkout({ pathTxt: 'electron' }), env: {} })).toMatchObject({ missing: expect.stringMatching(/is missing/) });
  });

  it('a downloaded binary', () => {
    const root = checkout({ pathTxt: 'electron', binary: true });
    expect(findElectronRuntime({ root, env: {} })).toEqual({
      binary: path.join(root, 'node_modules', 'electron', 'dist', 'electron'),
      version: '45.5.0',
      abi: 150,
      packageDir: path.join(root, 'node_modules', 'electron'),
    });
  });

  it('ELECTRON_OVERRIDE_DIST_PATH, like electron itself', () => {
    const root = checkout();
    const dist = tempDir();
    const exe = process.platform === 'win32' ? 'electron.exe' : 'electron';
    expect(findElectronRuntime({ root, env: { ELECTRON_OVERRIDE_DIST_PATH: dist } })).toMatchObject({
      missing: expect.stringMatching(/ELECTRON_OVERRIDE_DIST_PATH/),
    });
    fs.writeFileSync(path.join(dist, exe), '');
    expect(findElectronRuntime({ root, env: { ELECTRON_OVERRIDE_DIST_PATH: dist } })).toMatchObject({ binary: path.join(dist, exe), abi: 150 });
  });

  it('this checkout: electron 45.5.0, ABI 150, and here no binary', () => {
    const r = findElectronRuntime({ env: {} });
    expect(r.version).toBe('45.5.0');
    expect(r.abi).toBe(150);
  });
});

describe('nativeModuleAbi / checkNativeSqlite', () => {
  const nodeBuild = path.join(path.dirname(createRequire(import.meta.url).resolve('better-sqlite3/package.json')), 'build', 'Release', 'better_sqlite3.node');

  it("reads node_modules' better-sqlite3 as built for this Node", () => {
    expect(nativeModuleAbi(nodeBuild)).toBe(Number(process.versions.modules));
  });

  it('reads the symbol from any binary format; N-API; nothing', () => {
    const d = tempDir();
    const f = path.join(d, 'x.node');
    fs.writeFileSync(f, Buffer.concat([Buffer.from([0x7f, 0x45, 0x4c, 0x46, 0, 0]), Buffer.from('\0_node_register_module_v150\0')]));
    expect(nativeModuleAbi(f)).toBe(150);
    fs.writeFileSync(f, Buffer.from('\0napi_register_module_v1\0'));
    expect(nativeModuleAbi(f)).toBe('napi');
    fs.writeFileSync(f, Buffer.from('nothing'));
    expect(nativeModuleAbi(f)).toBeNull();
  });

  it('says what to run when the Electron build is missing or built for Node (the nodedir pitfall)', () => {
    const d = tempDir();
    expect(checkNativeSqlite(d, 150)).toMatchObject({ ok: false, problem: expect.stringMatching(/missing: run npm run rebuild:electron/) });
    fs.mkdirSync(path.join(d, 'native'));
    fs.copyFileSync(nodeBuild, path.join(d, NATIVE_SQLITE));
    expect(checkNativeSqlite(d, 150)).toMatchObject({
      ok: false,
      problem: expect.stringMatching(new RegExp(`built for ABI ${process.versions.modules}, Electron needs 150.*nodedir`)),
    });
    expect(checkNativeSqlite(d, Number(process.versions.modules))).toEqual({ ok: true, file: path.join(d, NATIVE_SQLITE) });
  });
});

describe('desktopUnavailable: why npm start serves the browser instead', () => {
  const found = { binary: '/x/electron', version: '45.5.0', abi: 150, packageDir: '/x' };
  const desk = { env: { DISPLAY: ':0' }, platform: 'linux' as const, uid: 1000, runtime: found };

  it('nothing in the way: desktop', () => {
    expect(desktopUnavailable(desk)).toBeNull();
    expect(desktopUnavailable({ ...desk, env: { WAYLAND_DISPLAY: 'wayland-0' } })).toBeNull();
    expect(desktopUnavailable({ ...desk, platform: 'win32', env: {}, uid: null })).toBeNull();
    expect(desktopUnavailable({ ...desk, platform: 'darwin', env: {}, uid: 0 })).toBeNull();
  });

  it('says why not', () => {
    expect(desktopUnavailable({ ...desk, env: { ...desk.env, TESSERA_NO_ELECTRON: '1' } })).toBe('TESSERA_NO_ELECTRON is set');
    expect(desktopUnavailable({ ...desk, runtime: { missing: 'the Electron 45.5.0 runtime binary is not installed' } })).toMatch(/binary is not installed/);
    expect(desktopUnavailable({ ...desk, uid: 0 })).toMatch(/running as root/);
    expect(desktopUnavailable({ ...desk, env: {} })).toMatch(/no graphical display/);
  });
});
