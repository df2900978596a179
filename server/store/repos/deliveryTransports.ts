import { connectionOf } from '../connection';
import type { Db } from '../db';

export interface DeliveryTransportRow {
  channel: 'email' | 'sms';
  /** The settings as JSON, without the secret. */
  config: string;
  /** The SMTP password or gateway token, sealed under data key `key_version`. */
  secret_sealed: Buffer | null;
  key_version: number | null;
  updated_at: number;
}

/** SMTP and SMS gateway settings, one row per channel. */
export class DeliveryTransportsRepo {
  private readonly byChannel;
  private readonly upsertStmt;

  constructor(db: Db) {
    const s = connectionOf(db);
    this.byChannel = s.prepare<[string], DeliveryTransportRow>('SELECT * FROM delivery_transports WHERE channel = ?');
    this.upsertStmt = s.prepare(
      `INSERT INTO delivery_transports (channel, config, secret_sealed, key_version, updated_at)
       VALUES (@channel, @config, @secret_sealed, @key_version, @updated_at)
       ON CONFLICT (channel) DO UPDATE SET config = excluded.config, secret_sealed = excluded.secret_sealed,
         key_version = excluded.key_version, updated_at = excluded.updated_at`,
    );
  }

  get(channel: 'email' | 'sms'): DeliveryTransportRow | undefined {
    return this.byChannel.get(channel);
  }

  set(row: DeliveryTransportRow): void {
    this.upsertStmt.run(row);
  }
}
