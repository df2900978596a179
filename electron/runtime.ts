/**
 * Facts about the Electron runtime on this machine, from plain Node (no
 * Electron): where its binary is and which native-module ABI it needs. Used by
 * `npm start`, the build scripts and the desktop e2e spec.
 *
 * Never `require('electron')` to find the binary: electron@45's index.js then
 * tries to download it (about 100 MB, or a stack trace where it cannot).
 */
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** Where `npm run build:electron` writes the main process and the preload. */
export const DIST_ELECTRON = path.join(REPO_ROOT, 'dist-electron');
export const PRELOAD_FILE = 'preload.cjs';
/** better-sqlite3 built for Electron's ABI (`npm run rebuild:electron`), relative to main.js's folder. */
export const NATIVE_SQLITE = path.join('native', 'better_sqlite3.node');

export type ElectronRuntime =
  | { binary: string; version: string; abi: number; packageDir: string }
  | { missing: string; version?: string; abi?: number; packageDir?: string };

/** How to get the binary, for messages. */
export const GET_ELECTRON_HINT = "on a machine with network access to Electron's downloads, run: npx --no install-electron";

/**
 * The Electron binary installed for this checkout, or why there is none. Reads
 * node_modules/electron/{package.json,abi_version,path.txt,dist/}; honours
 * ELECTRON_OVERRIDE_DIST_PATH like electron's own index.js.
 */
export function findElectronRuntime(opts: { root?: string; env?: NodeJS.ProcessEnv } = {}): ElectronRuntime {
  const root = opts.root ?? REPO_ROOT;
  const env = opts.env ?? process.env;
  let packageDir: string;
  try {
    packageDir = path.dirname(createRequire(path.join(root, 'package.json')).resolve('electron/package.json'));
  } catch {
    return { missing: 'the electron package is not installed (npm ci installs it)' };
  }
  const version = (JSON.parse(fs.readFileSync(path.join(packageDir, 'package.json'), 'utf8')) as { version: string }).version;
  let abi: number | undefined;
  try {
    abi = Number(fs.readFileSync(path.join(packageDir, 'abi_version'), 'utf8').trim()) || undefined;
  } catch {
    abi = undefined;
  }
  const known = { version, packageDir, ...(abi !== undefined ? { abi } : {}) };
  let exe: string | null = null;
  try {
    exe = fs.readFileSync(path.join(packageDir, 'path.txt'), 'utf8').trim();
  } catch {
    exe = null;
  }
  const override = env.ELECTRON_OVERRIDE_DIST_PATH;
  if (override) {
    const binary = path.join(override, exe || (process.platform === 'win32' ? 'electron.exe' : 'electron'));
    if (!fs.existsSync(binary)) return { missing: `ELECTRON_OVERRIDE_DIST_PATH is set, but ${binary} does not exist`, ...known };
    return abi === undefined ? { missing: `${packageDir}/abi_version is missing`, ...known } : { binary, version, abi, packageDir };
  }
  if (!exe) return { missing: `the Electron ${version} runtime binary is not installed (it cannot be downloaded here; ${GET_ELECTRON_HINT})`, ...known };
  const binary = path.join(packageDir, 'dist', exe);
  if (!fs.existsSync(binary)) return { missing: `the Electron runtime binary ${binary} is missing (${GET_ELECTRON_HINT})`, ...known };
  return abi === undefined ? { missing: `${packageDir}/abi_version is missing`, ...known } : { binary, version, abi, packageDir };
}

/**
 * The NODE_MODULE_VERSION a compiled native addon was built for, read from the
 * `node_register_module_v<N>` symbol every non-N-API addon exports (ELF, PE and
 * Mach-O alike); 'napi' for an N-API addon; null when neither is found.
 */
export function nativeModuleAbi(file: string): number | 'napi' | null {
  const text = fs.readFileSync(file).toString('latin1');
  const m = /node_register_module_v(\d+)/.exec(text);
  if (m) return Number(m[1]);
  return text.includes('napi_register_module_v1') ? 'napi' : null;
}

/** Whether the Electron-ABI better-sqlite3 under `dir` (dist-electron) is there and built for `abi`; else what is wrong. */
export function checkNativeSqlite(dir: string, abi: number): { ok: true; file: string } | { ok: false; file: string; problem: string } {
  const file = path.join(dir, NATIVE_SQLITE);
  if (!fs.existsSync(file)) return { ok: false, file, problem: `${file} is missing: run npm run rebuild:electron` };
  const found = nativeModuleAbi(file);
  if (found !== abi) {
    return {
      ok: false,
      file,
      problem: `${file} is built for ABI ${String(found)}, Electron needs ${abi}: run npm run rebuild:electron (with npm_config_nodedir unset)`,
    };
  }
  return { ok: true, file };
}

export interface DesktopFacts {
  env: NodeJS.ProcessEnv;
  platform: NodeJS.Platform;
  /** process.getuid() where there is one. */
  uid: number | null;
  runtime: ElectronRuntime;
}

/**
 * Why `npm start` cannot open the desktop app here (and serves the console
 * to the browser instead), or null when it can.
 */
export function desktopUnavailable(f: DesktopFacts): string | null {
  if (f.env.TESSERA_NO_ELECTRON) return 'TESSERA_NO_ELECTRON is set';
  if ('missing' in f.runtime) return f.runtime.missing;
  if (f.platform === 'linux' && f.uid === 0)
    return "running as root, and Electron's Chromium sandbox refuses root: start it as a normal user for the desktop app";
  if (f.platform === 'linux' && !f.env.DISPLAY && !f.env.WAYLAND_DISPLAY) return 'no graphical display (DISPLAY and WAYLAND_DISPLAY are unset)';
  return null;
}
