import fs from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { MASTER_KEY_FILE, openTessera } from './tessera';
import { setSqliteNativeBinding } from './store/db';

/** The options an embedding process (the desktop app) passes to openTessera/startTessera. */

const dirs: string[] = [];
function tempDir(): string {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'tessera-embed-'));
  dirs.push(d);
  return d;
}
afterEach(() => {
  setSqliteNativeBinding(undefined);
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

describe('masterKey', () => {
  it('is used instead of a key file, and the same key reopens the data', () => {
    const dir = tempDir();
    const key = randomBytes(32);
    const s = openTessera({ dataDir: dir, env: {}, masterKey: key });
    s.store.close();
    expect(fs.existsSync(path.join(dir, MASTER_KEY_FILE))).toBe(false);
    const again = openTessera({ dataDir: dir, env: {}, masterKey: key });
    again.store.close();
  });

  it('another key cannot open the data', () => {
    const dir = tempDir();
    openTessera({ dataDir: dir, env: {}, masterKey: randomBytes(32) }).store.close();
    expect(() => openTessera({ dataDir: dir, env: {}, masterKey: randomBytes(32) })).toThrow();
  });

  it('must be 32 bytes', () => {
    expect(() => openTessera({ dataDir: tempDir(), env: {}, masterKey: randomBytes(16) })).toThrow(/32 bytes/);
  });
});

describe('a key sealed by the desktop app', () => {
  it('the command line says it cannot open it, and never makes a new key', () => {
    const dir = tempDir();
    openTessera({ dataDir: dir, env: {}, masterKey: randomBytes(32) }).store.close();
    fs.writeFileSync(path.join(dir, `${MASTER_KEY_FILE}.safe`), 'sealed');
    expect(() => openTessera({ dataDir: dir, env: {} })).toThrow(/sealed by the desktop app's OS keychain.*TESSERA_MASTER_KEY/);
    expect(fs.existsSync(path.join(dir, MASTER_KEY_FILE))).toBe(false);
  });
});

describe('sqliteNativeBinding', () => {
  it('loads the given better-sqlite3 addon', () => {
    const require = createRequire(import.meta.url);
    const addon = path.join(path.dirname(require.resolve('better-sqlite3/package.json')), 'build', 'Release', 'better_sqlite3.node');
    const s = openTessera({ dataDir: tempDir(), env: {}, sqliteNativeBinding: addon });
    s.store.close();
  });

  it('a missing addon is an error, not a silent fallback', () => {
    expect(() => openTessera({ dataDir: tempDir(), env: {}, sqliteNativeBinding: path.join(tempDir(), 'nope.node') })).toThrow(/nope\.node/);
  });
});
