/**
 * `npm start`: the desktop app when an Electron runtime is present, otherwise
 * the same server headless with the console in the browser — saying which,
 * and why. Builds what it needs first: the console (vite) if it has not been
 * built; for the desktop app, the main process (esbuild, every start) and,
 * once, better-sqlite3 for Electron's ABI.
 *
 *   npm start                 desktop app, or browser mode
 *   npm start -- --port 9000  (browser mode: arguments go to `tessera serve`)
 *   TESSERA_NO_ELECTRON=1 npm start   browser mode on purpose
 */
import fs from 'node:fs';
import path from 'node:path';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { DEFAULT_CONSOLE_DIR } from './tessera';
import { checkNativeSqlite, desktopUnavailable, DIST_ELECTRON, findElectronRuntime } from '../electron/runtime';

const root = fileURLToPath(new URL('..', import.meta.url));

async function buildConsoleIfNeeded(): Promise<void> {
  if (fs.existsSync(path.join(DEFAULT_CONSOLE_DIR, 'index.html'))) return;
  console.log('Building the console (first run)…');
  const { build } = await import('vite');
  await build({ configFile: path.join(root, 'renderer', 'vite.config.ts'), logLevel: 'warn' });
}

/** Builds the main process and, if needed, the Electron-ABI better-sqlite3; returns why the desktop app cannot start, or null. */
async function prepareDesktop(abi: number, electronVersion: string): Promise<string | null> {
  const { buildElectron } = await import('../build/electron');
  await buildElectron();
  if (checkNativeSqlite(DIST_ELECTRON, abi).ok) return null;
  console.log(
    `Building better-sqlite3 for Electron ${electronVersion} (ABI ${abi}), once: this needs a C++ toolchain and network access to Electron's headers…`,
  );
  try {
    const { rebuildSqliteForElectron } = await import('../build/rebuildNative');
    await rebuildSqliteForElectron();
    return null;
  } catch (err) {
    return `better-sqlite3 could not be built for Electron (${(err as Error).message.split('\n')[0]}); fix that and run npm run rebuild:electron`;
  }
}

async function main(): Promise<void> {
  await buildConsoleIfNeeded();
  const runtime = findElectronRuntime();
  let why = desktopUnavailable({ env: process.env, platform: process.platform, uid: process.getuid?.() ?? null, runtime });
  if (why === null && 'binary' in runtime) {
    why = await prepareDesktop(runtime.abi, runtime.version);
    if (why === null) {
      console.log(`Desktop mode: starting the Tessera desktop app (Electron ${runtime.version}).`);
      const env = { ...process.env };
      delete env.ELECTRON_RUN_AS_NODE;
      // The checkout is the app folder: Electron reads package.json's main (dist-electron/main.js).
      const child = spawn(runtime.binary, [root], { stdio: 'inherit', env });
      child.on('error', (err) => {
        console.error(`tessera: could not start Electron: ${err.message}`);
        process.exit(1);
      });
      child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
      for (const sig of ['SIGINT', 'SIGTERM'] as const) process.on(sig, () => child.kill(sig));
      return;
    }
  }
  console.log(`Browser mode: ${why}. Serving the console for your browser instead.`);
  const { main: cli } = await import('./cli/main');
  const code = await cli(['serve', ...process.argv.slice(2)], { stdout: process.stdout, stderr: process.stderr, stdin: process.stdin });
  if (code !== 0) process.exit(code);
}

main().catch((err: unknown) => {
  console.error(`tessera: ${(err as Error).message}`);
  process.exit(1);
});
