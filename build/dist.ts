/**
 * Builds the desktop installers for this machine's platform:
 *
 *   npm run dist                 Linux: AppImage + deb · Windows: NSIS · macOS: dmg
 *   npm run dist -- --dir        an unpacked app only (quick check)
 *
 * 1. builds the console (vite) and the main process + preload (esbuild);
 * 2. builds better-sqlite3 for Electron's ABI (build/rebuildNative.ts) unless
 *    dist-electron/native already has it;
 * 3. runs electron-builder with build/electron-builder.yml, npm_config_nodedir
 *    removed from its environment;
 * 4. checks that every packaged better_sqlite3.node is for Electron's ABI.
 *
 * Needs network access to Electron's downloads (the Electron zip, its headers,
 * electron-builder's AppImage/NSIS/dmg tools). A native addon cannot be
 * cross-compiled, so each platform's installers are built on that platform.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildElectron, ROOT } from './electron';
import { rebuildSqliteForElectron, withoutNodedir } from './rebuildNative';
import { checkNativeSqlite, DIST_ELECTRON, findElectronRuntime, nativeModuleAbi } from '../electron/runtime';

export const BUILDER_CONFIG = path.join(ROOT, 'build', 'electron-builder.yml');
export const RELEASE_DIR = path.join(ROOT, 'release');

const PLATFORM_FLAGS: Record<string, NodeJS.Platform> = {
  '--linux': 'linux',
  '-l': 'linux',
  '--win': 'win32',
  '--windows': 'win32',
  '-w': 'win32',
  '--mac': 'darwin',
  '--macos': 'darwin',
  '-m': 'darwin',
};
const ARCH_FLAGS = ['--x64', '--ia32', '--armv7l', '--arm64', '--universal'];

/** Refuses electron-builder arguments that target another platform or architecture (the native addon is this machine's). */
export function checkTargetArgs(args: readonly string[], platform: NodeJS.Platform = process.platform, arch: string = process.arch): string | null {
  for (const a of args) {
    const p = PLATFORM_FLAGS[a];
    if (p && p !== platform) return `${a}: installers for ${p} must be built on ${p} (better-sqlite3 is a native addon and cannot be cross-compiled)`;
    if (ARCH_FLAGS.includes(a) && a !== `--${arch}`) return `${a}: this machine is ${arch}; build ${a.slice(2)} installers on a ${a.slice(2)} machine`;
  }
  return null;
}

/** Every better_sqlite3.node under `dir`, with the ABI it was built for. */
export function packagedAddons(dir: string): { file: string; abi: number | 'napi' | null }[] {
  if (!fs.existsSync(dir)) return [];
  return (fs.readdirSync(dir, { recursive: true }) as string[])
    .filter((f) => path.basename(f) === 'better_sqlite3.node')
    .map((f) => path.join(dir, f))
    .map((file) => ({ file, abi: nativeModuleAbi(file) }));
}

function run(cmd: string, args: string[], env: NodeJS.ProcessEnv): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd: ROOT, env, stdio: 'inherit' });
    child.on('error', reject);
    child.on('exit', (code, signal) => (code === 0 ? resolve() : reject(new Error(`electron-builder failed (${signal ?? `exit code ${code}`})`))));
  });
}

export async function dist(args: readonly string[]): Promise<void> {
  const wrongTarget = checkTargetArgs(args);
  if (wrongTarget) throw new Error(wrongTarget);
  const runtime = findElectronRuntime({ env: {} });
  if (runtime.abi === undefined || !runtime.version) throw new Error('the electron package is not installed: run npm ci');
  const started = Date.now();

  console.log('dist: building the console…');
  const { build } = await import('vite');
  await build({ configFile: path.join(ROOT, 'renderer', 'vite.config.ts'), logLevel: 'warn' });
  console.log('dist: building the main process and preload…');
  await buildElectron();

  const native = checkNativeSqlite(DIST_ELECTRON, runtime.abi);
  if (native.ok) console.log(`dist: ${path.relative(ROOT, native.file)} is built for Electron ${runtime.version} (ABI ${runtime.abi})`);
  else await rebuildSqliteForElectron();

  const cli = path.join(path.dirname(createRequire(import.meta.url).resolve('electron-builder/package.json')), 'cli.js');
  await run(process.execPath, [cli, '--config', BUILDER_CONFIG, '--publish', 'never', ...args], withoutNodedir(process.env));

  const addons = packagedAddons(RELEASE_DIR).filter((a) => fs.statSync(a.file).mtimeMs >= started);
  if (addons.length === 0) throw new Error(`no packaged better_sqlite3.node found under ${RELEASE_DIR}: the app would not open its database`);
  const wrong = addons.filter((a) => a.abi !== runtime.abi);
  if (wrong.length > 0) {
    throw new Error(
      `packaged better-sqlite3 not built for Electron's ABI ${runtime.abi}: ${wrong.map((w) => `${path.relative(ROOT, w.file)} (ABI ${String(w.abi)})`).join(', ')}`,
    );
  }
  console.log(
    `dist: done; better-sqlite3 checked for ABI ${runtime.abi} in ${addons.length} packaged app(s). Installers are in ${path.relative(ROOT, RELEASE_DIR)}/`,
  );
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  dist(process.argv.slice(2)).catch((err: unknown) => {
    console.error(`dist: ${(err as Error).message}`);
    process.exit(1);
  });
}
