import { generateDataKey, openSecret, sealSecret, unwrapDataKey, wrapDataKey } from '../core/crypto/seal';
import { generateSigningKeyPair, publicKeyOf } from '../core/audit/checkpoint';
import { deriveCodeMacKey } from '../core/crypto/codeMac';
import { TesseraError } from '../../shared/errors';
import type { Store } from '../store/index';

export interface SealedValue {
  sealed: Buffer;
  keyVersion: number;
}

export interface AuditSigningKey {
  version: number;
  privateKeyDer: Buffer;
  /** Derived from the private key (which only the master key opens), never read from the database. */
  publicKeyDer: Buffer;
}

const signingAad = (version: number) => `tessera:audit-signing-key:${version}`;

/**
 * The unwrapped data keys (by version) and the audit signing key, held in
 * memory only. Data keys are stored in the database wrapped by the master
 * key, so a copied database alone opens nothing.
 */
export class Keyring {
  private constructor(
    private readonly dataKeys: Map<number, Buffer>,
    readonly currentVersion: number,
    private readonly signingKeys: Map<number, AuditSigningKey>,
    readonly currentSigningVersion: number,
    /**
     * Signing key versions whose stored public key (signing_keys.public_der)
     * is not the one their sealed private key gives: someone replaced it to
     * make their own signatures pass. Verification reports it.
     */
    readonly swappedPublicKeys: readonly number[],
  ) {}

  /** Unwraps the keys, creating the first data key and signing key on a new database. */
  static load(store: Store, masterKey: Buffer, now: number): Keyring {
    return store.tx(() => {
      let rows = store.keys.dataKeys();
      if (rows.length === 0) {
        store.keys.insertDataKey({ version: 1, wrapped: wrapDataKey(masterKey, generateDataKey()), created_at: now });
        rows = store.keys.dataKeys();
      }
      const dataKeys = new Map<number, Buffer>();
      for (const row of rows) {
        try {
          dataKeys.set(row.version, unwrapDataKey(masterKey, row.wrapped));
        } catch {
          throw new TesseraError('integrity', 'The master key does not open this database: check TESSERA_MASTER_KEY or the key file in the data folder');
        }
      }
      const currentVersion = Math.max(...dataKeys.keys());
      const currentKey = dataKeys.get(currentVersion)!;

      let signingRows = store.keys.signingKeys();
      if (signingRows.length === 0) {
        const pair = generateSigningKeyPair();
        store.keys.insertSigningKey({
          version: 1,
          private_sealed: sealSecret(currentKey, pair.privateKeyDer, signingAad(1)),
          key_version: currentVersion,
          public_der: pair.publicKeyDer,
          created_at: now,
        });
        signingRows = store.keys.signingKeys();
      }
      const signingKeys = new Map<number, AuditSigningKey>();
      const swapped: number[] = [];
      for (const row of signingRows) {
        const key = dataKeys.get(row.key_version);
        if (!key) throw new TesseraError('integrity', `Audit signing key ${row.version} refers to a missing data key`);
        const privateKeyDer = openSecret(key, row.private_sealed, signingAad(row.version));
        const publicKeyDer = publicKeyOf(privateKeyDer);
        if (!publicKeyDer.equals(row.public_der)) swapped.push(row.version);
        signingKeys.set(row.version, { version: row.version, privateKeyDer, publicKeyDer });
      }
      return new Keyring(dataKeys, currentVersion, signingKeys, Math.max(...signingKeys.keys()), swapped);
    });
  }

  seal(plaintext: Uint8Array, aad: string): SealedValue {
    return { sealed: sealSecret(this.dataKeys.get(this.currentVersion)!, plaintext, aad), keyVersion: this.currentVersion };
  }

  open(sealed: Uint8Array, keyVersion: number, aad: string): Buffer {
    const key = this.dataKeys.get(keyVersion);
    if (!key) throw new TesseraError('integrity', `A secret is sealed under data key ${keyVersion}, which this database does not have`);
    return openSecret(key, sealed, aad);
  }

  /**
   * The key that short codes Tessera hands out are MACed under (core/crypto/codeMac), one per `label`.
   * Derived from the first data key, which every later version keeps, so a
   * rotation never voids a live code.
   */
  codeMacKey(label: 'delivered' | 'temporary'): Buffer {
    let key = this.macKeys.get(label);
    if (!key) {
      key = deriveCodeMacKey(this.dataKeys.get(Math.min(...this.dataKeys.keys()))!, label);
      this.macKeys.set(label, key);
    }
    return key;
  }

  private readonly macKeys = new Map<string, Buffer>();

  signingKey(version = this.currentSigningVersion): AuditSigningKey {
    const key = this.signingKeys.get(version);
    if (!key) throw new TesseraError('integrity', `Unknown audit signing key ${version}`);
    return key;
  }

  /** The public keys as derived from the sealed private keys (what verification and bundles trust). */
  publicSigningKeys(): { version: number; publicKeyDer: Buffer }[] {
    return [...this.signingKeys.values()].map((k) => ({ version: k.version, publicKeyDer: k.publicKeyDer }));
  }
}
