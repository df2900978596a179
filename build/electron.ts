/**
 * Builds the desktop shell with esbuild into dist-electron/:
 *   main.js      the main process (ESM; Electron 45 runs ESM mains), with the
 *                server bundled in; npm packages stay external (they ship in
 *                node_modules: better-sqlite3 is native, pdfkit reads its font
 *                files from its own folder)
 *   preload.cjs  the preload (CommonJS: a sandboxed preload cannot be ESM)
 *
 *   npm run build:electron
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build, type BuildOptions } from 'esbuild';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const OUT_DIR = path.join(ROOT, 'dist-electron');

/** Chromium and Node of Electron 45. */
const TARGETS = { main: 'node22', preload: 'chrome140' } as const;

export function electronBuildOptions(outDir = OUT_DIR): { main: BuildOptions; preload: BuildOptions } {
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
  };
}

export async function buildElectron(outDir = OUT_DIR): Promise<{ main: string; preload: string }> {
  const opts = electronBuildOptions(outDir);
  await Promise.all([build(opts.main), build(opts.preload)]);
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
