import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { keychainProblem, planMasterKey, resolveMasterKey, SAFE_KEY_FILE, type Keychain, type KeyPlanInput } from './masterKey';
import { dbPath, MASTER_KEY_FILE } from '../server/tessera';

const NONE = { plain: false, safe: false, db: false };
const base: KeyPlanInput = { envKey: false, platform: 'linux', keychainAvailable: true, backend: 'gnome_libsecret', files: NONE };

describe('planMasterKey', () => {
  it('TESSERA_MASTER_KEY wins over everything', () => {
    expect(planMasterKey({ ...base, envKey: true, files: { plain: true, safe: true, db: true } })).toEqual({ kind: 'env' });
    expect(planMasterKey({ ...base, envKey: true, keychainAvailable: false })).toEqual({ kind: 'env' });
  });

  describe('with a usable keychain (Linux keyring, macOS Keychain, Windows DPAPI)', () => {
    const usable: Partial<KeyPlanInput>[] = [
      { platform: 'linux', backend: 'gnome_libsecret' },
      { platform: 'linux', backend: 'kwallet5' },
      { platform: 'linux', backend: 'kwallet6' },
      { platform: 'darwin', backend: null },
      { platform: 'win32', backend: null },
    ];
    it.each(usable)('%o: first run creates a sealed key', (p) => {
      expect(planMasterKey({ ...base, ...p, files: NONE })).toEqual({ kind: 'keychain-create' });
    });
    it('an existing key file is migrated into the keychain', () => {
      expect(planMasterKey({ ...base, files: { plain: true, safe: false, db: true } })).toEqual({ kind: 'keychain-migrate' });
    });
    it('a sealed key is read; a leftover key file is cleaned up', () => {
      expect(planMasterKey({ ...base, files: { plain: false, safe: true, db: true } })).toEqual({ kind: 'keychain-read', removePlain: false });
      expect(planMasterKey({ ...base, files: { plain: true, safe: true, db: true } })).toEqual({ kind: 'keychain-read', removePlain: true });
    });
    it('a database without any key is an error, never a new key', () => {
      const plan = planMasterKey({ ...base, files: { plain: false, safe: false, db: true } });
      expect(plan.kind).toBe('error');
      expect(plan.kind === 'error' && plan.message).toMatch(/No master key/);
    });
  });

  describe('without a usable keychain: the key file, with a warning', () => {
    const unusable: [string, Partial<KeyPlanInput>, RegExp][] = [
      ['Linux basic_text', { platform: 'linux', backend: 'basic_text' }, /basic_text/],
      ['Linux backend unknown', { platform: 'linux', backend: 'unknown' }, /could not tell/],
      ['no encryption at all', { platform: 'win32', keychainAvailable: false, backend: null }, /no keychain/],
      ['Linux without encryption', { platform: 'linux', keychainAvailable: false, backend: null }, /no keychain/],
    ];
    it.each(unusable)('%s', (_name, p, reason) => {
      for (const files of [NONE, { plain: true, safe: false, db: true }, { plain: false, safe: false, db: false }]) {
        const plan = planMasterKey({ ...base, ...p, files });
        expect(plan.kind).toBe('file');
        expect(plan.kind === 'file' && plan.warning).toMatch(reason);
        expect(plan.kind === 'file' && plan.warning).toContain(MASTER_KEY_FILE);
      }
    });
    it('basic_text is refused only on Linux (elsewhere the backend name is meaningless)', () => {
      expect(keychainProblem({ platform: 'darwin', keychainAvailable: true, backend: 'basic_text' })).toBeNull();
      expect(keychainProblem({ platform: 'linux', keychainAvailable: true, backend: 'basic_text' })).not.toBeNull();
    });
    it('a sealed key it cannot unseal now is an error, not a fallback to a new key file', () => {
      const plan = planMasterKey({ ...base, backend: 'basic_text', files: { plain: false, safe: true, db: true } });
      expect(plan.kind).toBe('error');
      expect(plan.kind === 'error' && plan.message).toMatch(/sealed by this computer's keychain.*basic_text.*TESSERA_MASTER_KEY/s);
    });
  });
});

// ---------------------------------------------------------------------------

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});
function dataDir(): string {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'tessera-key-'));
  dirs.push(d);
  return d;
}

/** A keychain that "seals" by XOR and can be told to be unavailable, on basic_text, or to ask for re-encryption. */
function fakeKeychain(opts: { available?: boolean; backend?: string; generation?: number; corrupt?: boolean } = {}): Keychain & { encrypted: number } {
  // Ciphertexts are tagged v<generation>; one from an older generation asks to be re-encrypted.
  const generation = opts.generation ?? 1;
  const k = {
    encrypted: 0,
    isAsyncEncryptionAvailable: async () => opts.available ?? true,
    getSelectedStorageBackend: () => opts.backend ?? 'gnome_libsecret',
    encryptStringAsync: async (s: string) => {
      k.encrypted++;
      return Buffer.from(`v${generation}:${Buffer.from(s).toString('base64')}`);
    },
    decryptStringAsync: async (b: Buffer) => {
      const [v, body] = b.toString().split(':');
      const result = opts.corrupt ? 'not a key' : Buffer.from(body!, 'base64').toString();
      return { result, shouldReEncrypt: Number(v!.slice(1)) < generation };
    },
  };
  return k;
}

const plainFile = (d: string) => path.join(d, MASTER_KEY_FILE);
const safeFile = (d: string) => path.join(d, SAFE_KEY_FILE);
const mode = (f: string) => fs.statSync(f).mode & 0o777;

describe('resolveMasterKey', () => {
  it('creates a sealed 32-byte key (0600) on first run, and reads the same key back', async () => {
    const d = dataDir();
    const kc = fakeKeychain();
    const first = await resolveMasterKey(d, kc, { platform: 'linux', env: {} });
    expect(first.plan).toBe('keychain-create');
    expect(first.masterKey).toHaveLength(32);
    expect(fs.existsSync(plainFile(d))).toBe(false);
    if (process.platform !== 'win32') expect(mode(safeFile(d))).toBe(0o600);
    expect(fs.readFileSync(safeFile(d)).toString()).not.toContain(first.masterKey!.toString('hex'));
    const again = await resolveMasterKey(d, kc, { platform: 'linux', env: {} });
    expect(again.plan).toBe('keychain-read');
    expect(again.masterKey!.equals(first.masterKey!)).toBe(true);
  });

  it('migrates a key file into the keychain and removes the file', async () => {
    const d = dataDir();
    const key = randomBytes(32);
    fs.writeFileSync(plainFile(d), `${key.toString('hex')}\n`, { mode: 0o600 });
    fs.writeFileSync(dbPath(d), '');
    const r = await resolveMasterKey(d, fakeKeychain(), { platform: 'darwin', env: {} });
    expect(r.plan).toBe('keychain-migrate');
    expect(r.masterKey!.equals(key)).toBe(true);
    expect(fs.existsSync(plainFile(d))).toBe(false);
    expect((await resolveMasterKey(d, fakeKeychain(), { platform: 'darwin', env: {} })).masterKey!.equals(key)).toBe(true);
  });

  it('keeps the key file when sealing does not read back (a broken keychain)', async () => {
    const d = dataDir();
    const key = randomBytes(32);
    fs.writeFileSync(plainFile(d), key.toString('hex'), { mode: 0o600 });
    await expect(resolveMasterKey(d, fakeKeychain({ corrupt: true }), { platform: 'darwin', env: {} })).rejects.toThrow(/did not unseal/);
    expect(fs.readFileSync(plainFile(d), 'utf8')).toBe(key.toString('hex'));
  });

  it('refuses to migrate a key file other users can read', async () => {
    if (process.platform === 'win32') return;
    const d = dataDir();
    fs.writeFileSync(plainFile(d), randomBytes(32).toString('hex'), { mode: 0o644 });
    fs.chmodSync(plainFile(d), 0o644);
    await expect(resolveMasterKey(d, fakeKeychain(), { platform: 'linux', env: {} })).rejects.toThrow(/readable by other users/);
    expect(fs.existsSync(safeFile(d))).toBe(false);
  });

  it('finishes a migration that was cut short, and refuses two different keys', async () => {
    const d = dataDir();
    const kc = fakeKeychain();
    const { masterKey } = await resolveMasterKey(d, kc, { platform: 'linux', env: {} });
    fs.writeFileSync(plainFile(d), masterKey!.toString('hex'), { mode: 0o600 });
    expect((await resolveMasterKey(d, kc, { platform: 'linux', env: {} })).masterKey!.equals(masterKey!)).toBe(true);
    expect(fs.existsSync(plainFile(d))).toBe(false);

    fs.writeFileSync(plainFile(d), randomBytes(32).toString('hex'), { mode: 0o600 });
    await expect(resolveMasterKey(d, kc, { platform: 'linux', env: {} })).rejects.toThrow(/different keys/);
    expect(fs.existsSync(plainFile(d))).toBe(true);
  });

  it('re-seals when the keychain asks (its key rotated)', async () => {
    const d = dataDir();
    const { masterKey } = await resolveMasterKey(d, fakeKeychain({ generation: 1 }), { platform: 'linux', env: {} });
    expect(fs.readFileSync(safeFile(d)).toString()).toMatch(/^v1:/);
    const rotated = fakeKeychain({ generation: 2 });
    const again = await resolveMasterKey(d, rotated, { platform: 'linux', env: {} });
    expect(again.masterKey!.equals(masterKey!)).toBe(true);
    expect(fs.readFileSync(safeFile(d)).toString()).toMatch(/^v2:/);
    expect(rotated.encrypted).toBe(1);
    await resolveMasterKey(d, rotated, { platform: 'linux', env: {} });
    expect(rotated.encrypted).toBe(1); // current: not rewritten again
  });

  it('falls back to the key file (left to the server) with a warning on basic_text', async () => {
    const d = dataDir();
    const r = await resolveMasterKey(d, fakeKeychain({ backend: 'basic_text' }), { platform: 'linux', env: {} });
    expect(r.plan).toBe('file');
    expect(r.masterKey).toBeUndefined();
    expect(r.warning).toMatch(/basic_text/);
    expect(fs.existsSync(safeFile(d))).toBe(false);
  });

  it('treats a keychain that throws as unavailable', async () => {
    const d = dataDir();
    const kc = { ...fakeKeychain(), isAsyncEncryptionAvailable: async () => Promise.reject(new Error('dbus')) };
    expect((await resolveMasterKey(d, kc, { platform: 'linux', env: {} })).plan).toBe('file');
  });

  it('leaves TESSERA_MASTER_KEY to the server and never asks the keychain', async () => {
    const d = dataDir();
    let asked = false;
    const kc = { ...fakeKeychain(), isAsyncEncryptionAvailable: async () => ((asked = true), true) };
    const r = await resolveMasterKey(d, kc, { platform: 'linux', env: { TESSERA_MASTER_KEY: 'aa'.repeat(32) } });
    expect(r).toEqual({ plan: 'env' });
    expect(asked).toBe(false);
  });
});
