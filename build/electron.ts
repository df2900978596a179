/**
 * Builds the desktop shell with esbuild into dist-electron/:
 *   main.js      the main process (ESM; Electron 45 runs ESM mains), with the
 *                server bundled in; npm packages stay external (they ship in
 *                node_modules: better-sqlite3 is native, pdfkit reads its font
 *                files from its own folder)
 *   preload.cjs  the preload (CommonJS: a sandboxed preload cannot be ESM)
 *   workers/     one ESM file per worker thread module (server/runtime/workerEntries.ts),
 *                where server/runtime/worker.ts looks for them beside main.js
 *
 *   npm run build:electron
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build, type BuildOptions } from 'esbuild';
import { WORKER_ENTRIES } from '../server/runtime/workerEntries';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const OUT_DIR = path.join(ROOT, 'dist-electron');

/** Chromium and Node of Electron 45. */
const TARGETS = { main: 'node22', preload: 'chrome140' } as const;

export function electronBuildOptions(outDir = OUT_DIR): { main: BuildOptions; preload: BuildOptions; workers: BuildOptions } {
  const common: BuildOptions = { bundle: true, sourcemap: true, logLevel: 'warning', legalComments: 'none', absWorkingDir: ROOT };
  return {
    main: {
      ...common,
      entryPoints: [path.join(ROOT, 'electron', 'main.ts')],
      outfile: path.join(outDir, 'main.js'),
      platform: 'node',
      format: 'esm',
      target: TARGETS.main,
      packages: 'external', // electron, better-sqlite3, fastify, …: loaded from node_modules at run time
    },
    preload: {
      ...common,
      entryPoints: [path.join(ROOT, 'electron', 'preload.ts')],
      outfile: path.join(outDir, 'preload.cjs'),
      platform: 'node',
      format: 'cjs',
      target: TARGETS.preload,
      external: ['electron'], // the only module a sandboxed preload may require
    },
    workers: {
      ...common,
      entryPoints: Object.fromEntries(Object.entries(WORKER_ENTRIES).map(([name, file]) => [name, path.join(ROOT, file)])),
      outdir: path.join(outDir, 'workers'),
      platform: 'node',
      format: 'esm',
      target: TARGETS.main,
      packages: 'external',
    },
  };
}

export async function buildElectron(outDir = OUT_DIR): Promise<{ main: string; preload: string }> {
  const opts = electronBuildOptions(outDir);
  await Promise.all([build(opts.main), build(opts.preload), build(opts.workers)]);
  return { main: opts.main.outfile!, preload: opts.preload.outfile! };
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  buildElectron().then(
    (out) => console.log(`build:electron: ${path.relative(ROOT, out.main)}, ${path.relative(ROOT, out.preload)}`),
    (err: unknown) => {
      console.error(`build:electron: ${(err as Error).message}`);
      process.exit(1);
    },
  );
}
