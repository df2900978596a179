/**
 * Builds better-sqlite3 for the installed Electron's ABI into
 * dist-electron/native/better_sqlite3.node, in a scratch copy of the module:
 * node_modules keeps its build for Node (the CLI, the server, the tests), and
 * the desktop app loads this one (better-sqlite3's `nativeBinding`).
 *
 *   npm run rebuild:electron
 *
 * Needs a C++ toolchain (as `npm ci` does) and network access to Electron's
 * headers (https://www.electronjs.org/headers). npm_config_nodedir is removed
 * from the environment first: with it set (this machine's npm config has
 * nodedir=/usr) node-gyp builds against Node's headers and reports success,
 * and the result will not load in Electron. The ABI of what was built is read
 * back from the binary and checked, so that mistake fails here, loudly.
 */
import fs from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { DIST_ELECTRON, findElectronRuntime, nativeModuleAbi, NATIVE_SQLITE, REPO_ROOT } from '../electron/runtime';

/** The environment without npm's nodedir setting (all spellings npm and node-gyp read). */
export function withoutNodedir(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const out: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(env)) if (!/^npm_config_nodedir$/i.test(k)) out[k] = v;
  return out;
}

export interface RebuildOptions {
  /** Where native/better_sqlite3.node goes (default dist-electron). */
  outDir?: string;
  /** The environment for the build (default: this one without nodedir). */
  env?: NodeJS.ProcessEnv;
  log?: (line: string) => void;
}

/** Builds, checks the ABI, installs the addon; returns its path and ABI. */
export async function rebuildSqliteForElectron(opts: RebuildOptions = {}): Promise<{ file: string; abi: number; electron: string }> {
  const log = opts.log ?? ((l: string) => console.log(l));
  const runtime = findElectronRuntime({ env: {} }); // the headers are all we need: no binary required
  if (!runtime.version || runtime.abi === undefined) throw new Error(`Electron is not installed: ${'missing' in runtime ? runtime.missing : ''}`);
  const { version: electronVersion, abi } = runtime;

  const require = createRequire(path.join(REPO_ROOT, 'package.json'));
  const moduleDir = path.dirname(require.resolve('better-sqlite3/package.json'));
  const sqliteVersion = (JSON.parse(fs.readFileSync(path.join(moduleDir, 'package.json'), 'utf8')) as { version: string }).version;

  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'tessera-native-'));
  try {
    fs.writeFileSync(
      path.join(scratch, 'package.json'),
      JSON.stringify({ name: 'tessera-native', version: '0.0.0', private: true, dependencies: { 'better-sqlite3': sqliteVersion } }),
    );
    const copy = path.join(scratch, 'node_modules', 'better-sqlite3');
    fs.cpSync(moduleDir, copy, { recursive: true, filter: (src) => path.relative(moduleDir, src).split(path.sep)[0] !== 'build' });

    log(`rebuild:electron: better-sqlite3 ${sqliteVersion} for Electron ${electronVersion} (ABI ${abi}), ${process.platform}-${process.arch}…`);
    const { rebuild } = await import('@electron/rebuild');
    const saved = process.env;
    process.env = opts.env ?? withoutNodedir(process.env); // node-gyp, run by @electron/rebuild, reads it
    try {
      await rebuild({ buildPath: scratch, electronVersion, onlyModules: ['better-sqlite3'], force: true, buildFromSource: true, mode: 'sequential' });
    } finally {
      process.env = saved;
    }

    const built = path.join(copy, 'build', 'Release', 'better_sqlite3.node');
    if (!fs.existsSync(built)) throw new Error(`the build reported success but ${built} is missing`);
    const found = nativeModuleAbi(built);
    if (found !== abi) {
      throw new Error(
        `the build reported success, but better_sqlite3.node is for ABI ${String(found)}, and Electron ${electronVersion} needs ${abi}. ` +
          (found === Number(process.versions.modules) ? "It was built against this Node's headers: is npm_config_nodedir (npm's nodedir setting) set? " : '') +
          'Nothing was installed.',
      );
    }
    const dest = path.join(opts.outDir ?? DIST_ELECTRON, NATIVE_SQLITE);
    fs.mkdirSync(path.dirname(dest), { recursive: true });
    fs.copyFileSync(built, dest);
    log(`rebuild:electron: ${path.relative(REPO_ROOT, dest)} (ABI ${abi})`);
    return { file: dest, abi, electron: electronVersion };
  } finally {
    fs.rmSync(scratch, { recursive: true, force: true });
  }
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  rebuildSqliteForElectron().catch((err: unknown) => {
    console.error(`rebuild:electron: ${(err as Error).message}`);
    process.exit(1);
  });
}
