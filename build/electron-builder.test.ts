import fs from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { Configuration } from 'electron-builder';
import { BUILDER_CONFIG, checkTargetArgs, packagedAddons } from './dist';
import { ROOT } from './electron';
import { SWAGGER_UI_FILES } from '../server/api/apiDocs/swaggerUiFiles';

/**
 * The packaging config, checked by electron-builder's own loader and schema
 * validator (what `electron-builder --config` runs first), then field by
 * field. Packaging itself needs Electron's downloads, so it cannot run here.
 */

const require = createRequire(import.meta.url);
const { getConfig, validateConfiguration } = require('app-builder-lib/out/util/config/config') as {
  getConfig(projectDir: string, configPath: string, fromOptions: null): Promise<Configuration>;
  validateConfiguration(config: Configuration, logger: unknown): Promise<void>;
};
const { DebugLogger } = require('builder-util') as { DebugLogger: new (enabled: boolean) => unknown };

async function load(): Promise<Configuration> {
  return getConfig(ROOT, BUILDER_CONFIG, null);
}

const targetsOf = (t: unknown): string[] => (Array.isArray(t) ? t : [t]).map((x) => (typeof x === 'string' ? x : (x as { target: string }).target));

describe('build/electron-builder.yml', () => {
  it("passes electron-builder's schema validation", async () => {
    const config = await load();
    await expect(validateConfiguration(config, new DebugLogger(false))).resolves.toBeUndefined();
  });

  it('the validator does catch a wrong option (so the check above means something)', async () => {
    const config = await load();
    (config.nsis as Record<string, unknown>).oneClik = false;
    await expect(validateConfiguration(config, new DebugLogger(false))).rejects.toThrow(/nsis/);
  });

  it('names the app and builds AppImage + deb, NSIS, dmg', async () => {
    const c = await load();
    expect(c.appId).toBe('org.tessera.desktop');
    expect(c.productName).toBe('Tessera');
    expect(targetsOf(c.linux?.target)).toEqual(['AppImage', 'deb']);
    expect(targetsOf(c.win?.target)).toEqual(['nsis']);
    expect(targetsOf(c.mac?.target)).toEqual(['dmg']);
    expect(c.linux?.executableName).toBe('tessera-desktop'); // `tessera` is the CLI
    expect(c.linux?.maintainer).toBeTruthy(); // deb needs one
  });

  it('packs the bundle, the console and the Electron-ABI addon (unpacked), without rebuilding node_modules', async () => {
    const c = await load();
    // getConfig normalises the list into one file set.
    const patterns = (c.files as { filter: string[] }[]).flatMap((f) => f.filter);
    expect(patterns).toEqual(expect.arrayContaining(['package.json', 'dist-electron/**/*', 'renderer/dist/**/*', '!dist-electron/**/*.map']));
    expect(c.asar).toBe(true);
    expect(c.asarUnpack).toEqual(['dist-electron/native/**/*']);
    expect(c.npmRebuild).toBe(false);
    expect(c.directories).toMatchObject({ output: 'release', buildResources: 'build/icons' });
    expect(c.publish).toBeNull();
  });

  it("ships swagger-ui-dist's two files the API docs page loads, and not its source maps or other builds", async () => {
    const c = await load();
    const patterns = (c.files as { filter: string[] }[]).flatMap((f) => f.filter).filter((p) => p.startsWith('!node_modules/swagger-ui-dist/'));
    expect(patterns.length).toBeGreaterThan(0);
    // The minimatch electron-builder itself matches file patterns with.
    const { minimatch } = createRequire(require.resolve('app-builder-lib/package.json'))('minimatch') as {
      minimatch(file: string, pattern: string, opts: { dot: boolean }): boolean;
    };
    const dir = path.join(ROOT, 'node_modules', 'swagger-ui-dist');
    const files = fs.readdirSync(dir).map((f) => `node_modules/swagger-ui-dist/${f}`);
    const dropped = (f: string) => patterns.some((p) => minimatch(f, p.slice(1), { dot: true }));
    const kept = files.filter((f) => !dropped(f)).map((f) => path.basename(f));
    for (const name of [...Object.keys(SWAGGER_UI_FILES), 'package.json', 'LICENSE']) expect(kept).toContain(name);
    expect(kept.filter((f) => f.endsWith('.js'))).toEqual(
      ['absolute-path.js', 'index.js', 'swagger-initializer.js', 'oauth2-redirect.js', 'swagger-ui-bundle.js'].sort(),
    );
    expect(kept.some((f) => f.endsWith('.map'))).toBe(false);
  });

  it('flips the security fuses', async () => {
    const c = await load();
    expect(c.electronFuses).toEqual({
      runAsNode: false,
      enableCookieEncryption: true,
      enableNodeOptionsEnvironmentVariable: false,
      enableNodeCliInspectArguments: false,
      enableEmbeddedAsarIntegrityValidation: true,
      onlyLoadAppFromAsar: true,
      grantFileProtocolExtraPrivileges: false,
    });
  });

  it('has a 512×512 icon where electron-builder looks', () => {
    const png = fs.readFileSync(path.join(ROOT, 'build', 'icons', 'icon.png'));
    expect(png.subarray(1, 4).toString()).toBe('PNG');
    expect([png.readUInt32BE(16), png.readUInt32BE(20)]).toEqual([512, 512]);
  });

  it('npm run dist, build:electron and rebuild:electron exist', () => {
    const scripts = (JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts;
    expect(scripts.dist).toBe('tsx build/dist.ts');
    expect(scripts['build:electron']).toBe('tsx build/electron.ts');
    expect(scripts['rebuild:electron']).toBe('tsx build/rebuildNative.ts');
  });
});

describe('dist', () => {
  it('refuses to cross-build (the native addon is this machine’s)', () => {
    expect(checkTargetArgs([], 'linux', 'x64')).toBeNull();
    expect(checkTargetArgs(['--linux', '--dir', '--x64'], 'linux', 'x64')).toBeNull();
    expect(checkTargetArgs(['--win'], 'linux', 'x64')).toMatch(/must be built on win32/);
    expect(checkTargetArgs(['-m'], 'linux', 'x64')).toMatch(/darwin/);
    expect(checkTargetArgs(['--arm64'], 'linux', 'x64')).toMatch(/arm64 machine/);
    expect(checkTargetArgs(['--mac', '--universal'], 'darwin', 'arm64')).toMatch(/universal/);
  });

  const dirs: string[] = [];
  afterEach(() => {
    for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
  });

  it('finds every packaged better_sqlite3.node and reads its ABI', () => {
    const d = fs.mkdtempSync(path.join(os.tmpdir(), 'tessera-release-'));
    dirs.push(d);
    const a = path.join(d, 'linux-unpacked', 'resources', 'app.asar.unpacked', 'dist-electron', 'native');
    const b = path.join(d, 'mac-arm64', 'Tessera.app', 'Contents', 'Resources', 'app.asar.unpacked', 'dist-electron', 'native');
    for (const [dir, abi] of [
      [a, 150],
      [b, 115],
    ] as const) {
      fs.mkdirSync(dir, { recursive: true });
      fs.writeFileSync(path.join(dir, 'better_sqlite3.node'), `\0node_register_module_v${abi}\0`);
    }
    const found = packagedAddons(d).sort((x, y) => x.file.localeCompare(y.file));
    expect(found.map((f) => f.abi)).toEqual([150, 115]);
    expect(packagedAddons(path.join(d, 'nope'))).toEqual([]);
  });
});
