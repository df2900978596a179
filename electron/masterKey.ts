/**
 * Where the desktop app keeps the master key (secrets sealed at rest: README, Data and keys):
 * sealed by the OS keychain through Electron's safeStorage when the OS offers
 * a real one (`master.key.safe` in the data folder), else the 0600 key file
 * `master.key` with a clear warning. On Linux the `basic_text` backend (no
 * GNOME Keyring / KWallet found) only obfuscates with a fixed password, so it
 * counts as no keychain.
 *
 * The decision (`planMasterKey`) is pure; `resolveMasterKey` carries it out on
 * the files with an injected keychain (Electron's safeStorage, or a fake in
 * the tests). Nothing here imports Electron.
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { dbPath, loadMasterKey, MASTER_KEY_FILE } from '../server/tessera';

/** The master key sealed by the OS keychain, next to where the key file would be. */
export const SAFE_KEY_FILE = `${MASTER_KEY_FILE}.safe`;

/** The part of Electron's safeStorage this uses (the async API; the sync one is deprecated in Electron 45). */
export interface Keychain {
  isAsyncEncryptionAvailable(): Promise<boolean>;
  /** Linux only: which store safeStorage uses. */
  getSelectedStorageBackend(): string;
  encryptStringAsync(plainText: string): Promise<Buffer>;
  decryptStringAsync(encrypted: Buffer): Promise<{ result: string; shouldReEncrypt: boolean }>;
}

export interface KeyPlanInput {
  /** TESSERA_MASTER_KEY is set: it wins, as in headless mode. */
  envKey: boolean;
  platform: NodeJS.Platform;
  keychainAvailable: boolean;
  /** safeStorage.getSelectedStorageBackend() on Linux, null elsewhere. */
  backend: string | null;
  files: { plain: boolean; safe: boolean; db: boolean };
}

export type KeyPlan =
  | { kind: 'env' }
  /** Read master.key.safe; `removePlain`: a key file is still there (a migration cut short): check it matches, then remove it. */
  | { kind: 'keychain-read'; removePlain: boolean }
  /** Seal the existing key file's key into master.key.safe, check it, remove the key file. */
  | { kind: 'keychain-migrate' }
  /** First run: a new key, sealed. */
  | { kind: 'keychain-create' }
  /** No usable keychain: the key file (created on first run), with this warning. */
  | { kind: 'file'; warning: string }
  | { kind: 'error'; message: string };

/** Why the keychain cannot be used, or null when it can. */
export function keychainProblem(input: Pick<KeyPlanInput, 'platform' | 'keychainAvailable' | 'backend'>): string | null {
  if (!input.keychainAvailable) return 'the operating system offers no keychain to Electron (safeStorage encryption is not available)';
  if (input.platform === 'linux') {
    if (input.backend === 'basic_text') {
      return "no keyring (GNOME Keyring, KWallet) was found, and Electron's basic_text fallback only obfuscates with a fixed password";
    }
    if (input.backend === null || input.backend === 'unknown') return 'Electron could not tell which keyring it would use';
  }
  return null;
}

export function planMasterKey(input: KeyPlanInput): KeyPlan {
  if (input.envKey) return { kind: 'env' };
  const problem = keychainProblem(input);
  const { plain, safe, db } = input.files;
  if (problem === null) {
    if (safe) return { kind: 'keychain-read', removePlain: plain };
    if (plain) return { kind: 'keychain-migrate' };
    if (db) {
      return {
        kind: 'error',
        message: `No master key: the database exists but neither ${SAFE_KEY_FILE} nor ${MASTER_KEY_FILE} is next to it. Restore the key file, or set TESSERA_MASTER_KEY.`,
      };
    }
    return { kind: 'keychain-create' };
  }
  if (safe) {
    return {
      kind: 'error',
      message: `The master key is sealed by this computer's keychain (${SAFE_KEY_FILE}), but the keychain cannot be used now: ${problem}. Sign in to a desktop session with its keyring unlocked, or set TESSERA_MASTER_KEY.`,
    };
  }
  return {
    kind: 'file',
    warning: `The master key is kept in the key file ${MASTER_KEY_FILE} (readable only by you), not in the OS keychain: ${problem}. Anyone who can read your files can unseal the stored secrets; protect the data folder (disk encryption) and back the key up separately.`,
  };
}

export interface ResolvedKey {
  /** The key for startTessera, or undefined to let the server use TESSERA_MASTER_KEY / the key file. */
  masterKey?: Buffer;
  plan: KeyPlan['kind'];
  /** Shown to the operator when set (the key-file fallback). */
  warning?: string;
}

const HEX_KEY = /^[0-9a-f]{64}$/i;

function writeAtomically(file: string, data: Buffer): void {
  const tmp = `${file}.${process.pid}.tmp`;
  const fd = fs.openSync(tmp, 'wx', 0o600);
  try {
    fs.writeSync(fd, data);
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  fs.renameSync(tmp, file);
}

async function readSealed(file: string, keychain: Keychain): Promise<Buffer> {
  const { result, shouldReEncrypt } = await keychain.decryptStringAsync(fs.readFileSync(file));
  const hex = result.trim();
  if (!HEX_KEY.test(hex)) throw new Error(`${file} did not unseal to a master key`);
  if (shouldReEncrypt) writeAtomically(file, await keychain.encryptStringAsync(hex)); // the keychain rotated its key
  return Buffer.from(hex, 'hex');
}

async function seal(file: string, key: Buffer, keychain: Keychain): Promise<void> {
  writeAtomically(file, await keychain.encryptStringAsync(key.toString('hex')));
  const back = await readSealed(file, keychain);
  if (!timingSafeEqual(back, key)) throw new Error(`${file} does not unseal to the key just sealed; the key file was kept`);
}

/**
 * Carries out the plan for `dataDir` (which must exist). Throws with the
 * plan's message on `error`; never deletes the key file before the sealed copy
 * has been read back and compared.
 */
export async function resolveMasterKey(
  dataDir: string,
  keychain: Keychain,
  opts: { platform?: NodeJS.Platform; env?: NodeJS.ProcessEnv } = {},
): Promise<ResolvedKey> {
  const platform = opts.platform ?? process.platform;
  const env = opts.env ?? process.env;
  const plainFile = path.join(dataDir, MASTER_KEY_FILE);
  const safeFile = path.join(dataDir, SAFE_KEY_FILE);
  const available = env.TESSERA_MASTER_KEY ? false : await keychain.isAsyncEncryptionAvailable().catch(() => false);
  const plan = planMasterKey({
    envKey: Boolean(env.TESSERA_MASTER_KEY),
    platform,
    keychainAvailable: available,
    backend: platform === 'linux' && available ? keychain.getSelectedStorageBackend() : null,
    files: { plain: fs.existsSync(plainFile), safe: fs.existsSync(safeFile), db: fs.existsSync(dbPath(dataDir)) },
  });
  switch (plan.kind) {
    case 'env':
      return { plan: plan.kind };
    case 'file':
      return { plan: plan.kind, warning: plan.warning };
    case 'error':
      throw new Error(plan.message);
    case 'keychain-create': {
      const key = randomBytes(32);
      await seal(safeFile, key, keychain);
      return { masterKey: key, plan: plan.kind };
    }
    case 'keychain-migrate': {
      const { key } = loadMasterKey(dataDir, { env: {}, createIfNew: false }); // also refuses a key file others can read
      await seal(safeFile, key, keychain);
      fs.rmSync(plainFile);
      return { masterKey: key, plan: plan.kind };
    }
    case 'keychain-read': {
      const key = await readSealed(safeFile, keychain);
      if (plan.removePlain) {
        const { key: plainKey } = loadMasterKey(dataDir, { env: {}, createIfNew: false });
        if (!timingSafeEqual(plainKey, key)) {
          throw new Error(`${MASTER_KEY_FILE} and ${SAFE_KEY_FILE} hold different keys; move the one that does not open the database out of ${dataDir}`);
        }
        fs.rmSync(plainFile);
      }
      return { masterKey: key, plan: plan.kind };
    }
  }
}
