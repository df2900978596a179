import fs from 'node:fs';
import { builtinModules } from 'node:module';
import path from 'node:path';
import { build } from 'esbuild';
import { describe, expect, it } from 'vitest';
import { electronBuildOptions, ROOT } from './electron';
import { packageName } from './check-layers';

/**
 * The packaged app ships only package.json's `dependencies` (electron-builder
 * leaves devDependencies out), so every npm package the bundled main process
 * imports at run time must be one: a devDependency imported by the server
 * would start in a checkout and crash in the installed app.
 */

const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as {
  main: string;
  dependencies: Record<string, string>;
  devDependencies: Record<string, string>;
};
const builtins = new Set(builtinModules.flatMap((m) => [m, `node:${m}`]));

async function externals(which: 'main' | 'preload'): Promise<string[]> {
  const opts = electronBuildOptions(path.join(ROOT, '.unused'))[which];
  const result = await build({ ...opts, write: false, metafile: true, logLevel: 'silent' });
  const out = new Set<string>();
  for (const input of Object.values(result.metafile.inputs)) for (const imp of input.imports) if (imp.external) out.add(imp.path);
  return [...out].sort();
}

describe('the bundled main process', () => {
  it('imports at run time only electron, node builtins and production dependencies', async () => {
    const ext = await externals('main');
    const packages = [...new Set(ext.filter((s) => !builtins.has(s)).map(packageName))];
    expect(packages).toContain('electron');
    expect(packages).toContain('better-sqlite3');
    const notShipped = packages.filter((p) => p !== 'electron' && !(p in pkg.dependencies));
    expect(notShipped, `imported by dist-electron/main.js but not in package.json dependencies: ${notShipped.join(', ')}`).toEqual([]);
    expect(pkg.devDependencies).toHaveProperty('electron'); // electron-builder requires it there
  }, 60_000);

  it('the preload needs nothing but electron', async () => {
    expect(await externals('preload')).toEqual(['electron']);
  }, 60_000);

  it("package.json's main is the bundle electron-builder starts", () => {
    expect(pkg.main).toBe('dist-electron/main.js');
    expect(electronBuildOptions().main.outfile).toBe(path.join(ROOT, pkg.main));
    expect(electronBuildOptions().main.format).toBe('esm');
    expect(electronBuildOptions().preload.format).toBe('cjs');
  });
});
