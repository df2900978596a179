import { connectionOf } from '../connection';
import type { Db } from '../db';

export interface WebauthnRpRow {
  api_key_id: string;
  rp_id: string;
  rp_name: string;
  /** JSON array of origins. */
  origins: string;
  require_uv: 0 | 1;
  /** JSON array of lowercase AAGUIDs; empty: any model. */
  aaguids: string;
  updated_at: number;
}

export interface WebauthnCredentialRow {
  id: string;
  factor_id: string | null;
  operator_id: string | null;
  rp_id: string;
  credential_id: Buffer;
  public_key: Buffer;
  counter: number;
  /** JSON array of transports. */
  transports: string;
  aaguid: string;
  backed_up: 0 | 1;
  device_type: 'singleDevice' | 'multiDevice';
  /** Operators' keys only (a user's key is named by its factor's label). */
  label: string | null;
  created_at: number;
  last_used_at: number | null;
  flagged_at: number | null;
  flag_reason: string | null;
}

export interface WebauthnChallengeRow {
  challenge: string;
  purpose: 'register' | 'authenticate';
  rp_id: string;
  api_key_id: string | null;
  operator_id: string | null;
  user_id: string | null;
  created_at: number;
  expires_at: number;
}

/** A user's credential with the factor and user it belongs to. */
export interface UserCredentialRow extends WebauthnCredentialRow {
  user_id: string;
  factor_status: 'pending' | 'active';
}

/** Relying-party configurations, credentials and challenges for WebAuthn. */
export class WebauthnRepo {
  private readonly rpGet;
  private readonly rpUpsert;
  private readonly rpDelete;
  private readonly credByCredentialId;
  private readonly credsForUser;
  private readonly credsForUserRp;
  private readonly credsForOperator;
  private readonly credById;
  private readonly credInsert;
  private readonly credAdvance;
  private readonly credFlag;
  private readonly credDeleteOperator;
  private readonly credDeleteAllOperator;
  private readonly chInsert;
  private readonly chGet;
  private readonly chConsume;
  private readonly chCountForKey;
  private readonly chDeleteExpired;
  private readonly chDeleteForOperator;

  constructor(db: Db) {
    const s = connectionOf(db);
    this.rpGet = s.prepare<[string], WebauthnRpRow>('SELECT * FROM webauthn_rp WHERE api_key_id = ?');
    this.rpUpsert = s.prepare(
      `INSERT INTO webauthn_rp (api_key_id, rp_id, rp_name, origins, require_uv, aaguids, updated_at)
       VALUES (@api_key_id, @rp_id, @rp_name, @origins, @require_uv, @aaguids, @updated_at)
       ON CONFLICT (api_key_id) DO UPDATE SET rp_id = excluded.rp_id, rp_name = excluded.rp_name, origins = excluded.origins,
         require_uv = excluded.require_uv, aaguids = excluded.aaguids, updated_at = excluded.updated_at`,
    );
    this.rpDelete = s.prepare<[string]>('DELETE FROM webauthn_rp WHERE api_key_id = ?');

    const userCols = `c.*, f.user_id AS user_id, f.status AS factor_status`;
    this.credByCredentialId = s.prepare<[Buffer], WebauthnCredentialRow & { user_id: string | null; factor_status: 'pending' | 'active' | null }>(
      `SELECT ${userCols} FROM webauthn_credentials c LEFT JOIN factors f ON f.id = c.factor_id WHERE c.credential_id = ?`,
    );
    this.credsForUser = s.prepare<[string], UserCredentialRow>(
      `SELECT ${userCols} FROM webauthn_credentials c JOIN factors f ON f.id = c.factor_id WHERE f.user_id = ? ORDER BY c.created_at, c.id`,
    );
    this.credsForUserRp = s.prepare<[string, string], UserCredentialRow>(
      `SELECT ${userCols} FROM webauthn_credentials c JOIN factors f ON f.id = c.factor_id
       WHERE f.user_id = ? AND c.rp_id = ? ORDER BY f.last_used_at DESC NULLS LAST, c.created_at`,
    );
    this.credsForOperator = s.prepare<[string], WebauthnCredentialRow>('SELECT * FROM webauthn_credentials WHERE operator_id = ? ORDER BY created_at, id');
    this.credById = s.prepare<[string], WebauthnCredentialRow>('SELECT * FROM webauthn_credentials WHERE id = ?');
    this.credInsert = s.prepare(
      `INSERT INTO webauthn_credentials (id, factor_id, operator_id, rp_id, credential_id, public_key, counter, transports, aaguid, backed_up, device_type, label, created_at)
       VALUES (@id, @factor_id, @operator_id, @rp_id, @credential_id, @public_key, @counter, @transports, @aaguid, @backed_up, @device_type, @label, @created_at)`,
    );
    // The WHERE clause makes a concurrent use of the same counter value lose: the counter only moves up.
    this.credAdvance = s.prepare(
      `UPDATE webauthn_credentials SET counter = @next, backed_up = @backed_up, last_used_at = @now
       WHERE id = @id AND counter = @stored AND flagged_at IS NULL`,
    );
    this.credFlag = s.prepare('UPDATE webauthn_credentials SET flagged_at = @now, flag_reason = @reason WHERE id = @id AND flagged_at IS NULL');
    this.credDeleteOperator = s.prepare<[string, string]>('DELETE FROM webauthn_credentials WHERE id = ? AND operator_id = ?');
    this.credDeleteAllOperator = s.prepare<[string]>('DELETE FROM webauthn_credentials WHERE operator_id = ?');

    this.chInsert = s.prepare(
      `INSERT INTO webauthn_challenges (challenge, purpose, rp_id, api_key_id, operator_id, user_id, created_at, expires_at)
       VALUES (@challenge, @purpose, @rp_id, @api_key_id, @operator_id, @user_id, @created_at, @expires_at)`,
    );
    this.chGet = s.prepare<[string], WebauthnChallengeRow>('SELECT * FROM webauthn_challenges WHERE challenge = ?');
    // Single use: whoever deletes the row has used it; a second use finds nothing.
    this.chConsume = s.prepare<[string], WebauthnChallengeRow>('DELETE FROM webauthn_challenges WHERE challenge = ? RETURNING *');
    this.chCountForKey = s.prepare<[string, number], { n: number }>('SELECT count(*) AS n FROM webauthn_challenges WHERE api_key_id = ? AND expires_at > ?');
    this.chDeleteExpired = s.prepare<[number, number]>(
      'DELETE FROM webauthn_challenges WHERE challenge IN (SELECT challenge FROM webauthn_challenges WHERE expires_at <= ? ORDER BY expires_at LIMIT ?)',
    );
    this.chDeleteForOperator = s.prepare<[string]>('DELETE FROM webauthn_challenges WHERE operator_id = ?');
  }

  // Relying parties -----------------------------------------------------------

  rp(apiKeyId: string): WebauthnRpRow | undefined {
    return this.rpGet.get(apiKeyId);
  }

  setRp(row: WebauthnRpRow): void {
    this.rpUpsert.run(row);
  }

  deleteRp(apiKeyId: string): boolean {
    return this.rpDelete.run(apiKeyId).changes === 1;
  }

  // Credentials ----------------------------------------------------------------

  /** The credential with this id, with its user (null for an operator's key). */
  findByCredentialId(credentialId: Uint8Array): (WebauthnCredentialRow & { user_id: string | null; factor_status: 'pending' | 'active' | null }) | undefined {
    return this.credByCredentialId.get(Buffer.from(credentialId));
  }

  find(id: string): WebauthnCredentialRow | undefined {
    return this.credById.get(id);
  }

  forUser(userId: string): UserCredentialRow[] {
    return this.credsForUser.all(userId);
  }

  /** A user's credentials registered with one relying party, most recently used first. */
  forUserAndRp(userId: string, rpId: string): UserCredentialRow[] {
    return this.credsForUserRp.all(userId, rpId);
  }

  forOperator(operatorId: string): WebauthnCredentialRow[] {
    return this.credsForOperator.all(operatorId);
  }

  insert(row: Omit<WebauthnCredentialRow, 'last_used_at' | 'flagged_at' | 'flag_reason'>): void {
    this.credInsert.run(row);
  }

  /** Moves the counter from `stored` to `next` (and records the use); false when it was not `stored` any more. */
  advance(id: string, stored: number, next: number, backedUp: boolean, now: number): boolean {
    return this.credAdvance.run({ id, stored, next, backed_up: backedUp ? 1 : 0, now }).changes === 1;
  }

  flag(id: string, reason: string, now: number): boolean {
    return this.credFlag.run({ id, reason, now }).changes === 1;
  }

  deleteForOperator(operatorId: string, id: string): boolean {
    return this.credDeleteOperator.run(id, operatorId).changes === 1;
  }

  deleteAllForOperator(operatorId: string): number {
    return this.credDeleteAllOperator.run(operatorId).changes;
  }

  // Challenges -----------------------------------------------------------------

  insertChallenge(row: WebauthnChallengeRow): void {
    this.chInsert.run(row);
  }

  findChallenge(challenge: string): WebauthnChallengeRow | undefined {
    return this.chGet.get(challenge);
  }

  /** Deletes the challenge and returns it, or undefined when it was already used (or never issued). */
  consumeChallenge(challenge: string): WebauthnChallengeRow | undefined {
    return this.chConsume.get(challenge);
  }

  /** Unexpired challenges an application holds open. */
  openChallengesForKey(apiKeyId: string, now: number): number {
    return this.chCountForKey.get(apiKeyId, now)!.n;
  }

  /** Removes up to `limit` expired challenges; returns how many. */
  deleteExpiredChallenges(now: number, limit = 5000): number {
    return this.chDeleteExpired.run(now, limit).changes;
  }

  deleteChallengesForOperator(operatorId: string): number {
    return this.chDeleteForOperator.run(operatorId).changes;
  }
}
