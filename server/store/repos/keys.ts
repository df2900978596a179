import { connectionOf } from '../connection';
import type { Db } from '../db';

export interface DataKeyRow {
  version: number;
  wrapped: Buffer;
  created_at: number;
}

export interface SigningKeyRow {
  version: number;
  private_sealed: Buffer;
  key_version: number;
  public_der: Buffer;
  created_at: number;
}

/** Wrapped data keys and sealed audit signing keys. Nothing here is usable without the master key. */
export class KeysRepo {
  private readonly dataKeysStmt;
  private readonly insertDataKeyStmt;
  private readonly signingKeysStmt;
  private readonly insertSigningKeyStmt;

  constructor(db: Db) {
    const s = connectionOf(db);
    this.dataKeysStmt = s.prepare<[], DataKeyRow>('SELECT * FROM data_keys ORDER BY version');
    this.insertDataKeyStmt = s.prepare('INSERT INTO data_keys (version, wrapped, created_at) VALUES (@version, @wrapped, @created_at)');
    this.signingKeysStmt = s.prepare<[], SigningKeyRow>('SELECT * FROM signing_keys ORDER BY version');
    this.insertSigningKeyStmt = s.prepare(
      'INSERT INTO signing_keys (version, private_sealed, key_version, public_der, created_at) VALUES (@version, @private_sealed, @key_version, @public_der, @created_at)',
    );
  }

  dataKeys(): DataKeyRow[] {
    return this.dataKeysStmt.all();
  }

  insertDataKey(row: DataKeyRow): void {
    this.insertDataKeyStmt.run(row);
  }

  signingKeys(): SigningKeyRow[] {
    return this.signingKeysStmt.all();
  }

  insertSigningKey(row: SigningKeyRow): void {
    this.insertSigningKeyStmt.run(row);
  }
}
