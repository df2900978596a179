import { connectionOf } from '../connection';
import type { Db } from '../db';

export type OperatorRole = 'admin' | 'helpdesk' | 'auditor';

export interface OperatorRow {
  id: string;
  username: string;
  username_key: string;
  display_name: string | null;
  role: OperatorRole;
  password_hash: string | null;
  totp_sealed: Buffer | null;
  totp_key_version: number | null;
  totp_last_step: number;
  status: 'pending' | 'active' | 'disabled';
  created_at: number;
  failures: number;
  last_failure_at: number | null;
  locked_until: number | null;
  /** 1: the password was set by someone else; the operator must choose their own before anything else (issue 18). */
  password_must_change: 0 | 1;
  /** A temporary password stops signing in after this (ms); null for the operator's own. */
  password_expires_at: number | null;
  password_changed_at: number | null;
}

export class OperatorsRepo {
  private readonly byKey;
  private readonly byId;
  private readonly countStmt;
  private readonly insertStmt;
  private readonly listStmt;

  constructor(private readonly db: Db) {
    const s = connectionOf(db);
    this.byKey = s.prepare<[string], OperatorRow>('SELECT * FROM operators WHERE username_key = ?');
    this.byId = s.prepare<[string], OperatorRow>('SELECT * FROM operators WHERE id = ?');
    this.countStmt = s.prepare<[], { n: number }>('SELECT count(*) AS n FROM operators');
    this.insertStmt = s.prepare(
      `INSERT INTO operators (id, username, username_key, display_name, role, password_hash, status, created_at,
                              password_must_change, password_expires_at, password_changed_at)
       VALUES (@id, @username, @username_key, @display_name, @role, @password_hash, @status, @created_at,
               @password_must_change, @password_expires_at, @password_changed_at)`,
    );
    this.listStmt = s.prepare<[], OperatorRow>('SELECT * FROM operators ORDER BY username_key');
  }

  findByKey(key: string): OperatorRow | undefined {
    return this.byKey.get(key);
  }

  findById(id: string): OperatorRow | undefined {
    return this.byId.get(id);
  }

  count(): number {
    return this.countStmt.get()!.n;
  }

  list(): OperatorRow[] {
    return this.listStmt.all();
  }

  insert(
    row: Pick<OperatorRow, 'id' | 'username' | 'username_key' | 'display_name' | 'role' | 'password_hash' | 'status' | 'created_at'> &
      Partial<Pick<OperatorRow, 'password_must_change' | 'password_expires_at' | 'password_changed_at'>>,
  ): void {
    this.insertStmt.run({ password_must_change: 0, password_expires_at: null, password_changed_at: null, ...row });
  }

  /** Records a used TOTP step; false when it (or a later one) was already used: a replay. */
  advanceTotpStep(id: string, step: number): boolean {
    return connectionOf(this.db).prepare('UPDATE operators SET totp_last_step = ? WHERE id = ? AND totp_last_step < ?').run(step, id, step).changes === 1;
  }

  /** Updates the named columns of one operator. Column names come from code, never from input. */
  update(id: string, fields: Partial<Omit<OperatorRow, 'id' | 'created_at'>>): boolean {
    const names = Object.keys(fields);
    if (names.length === 0) return false;
    const sql = `UPDATE operators SET ${names.map((n) => `${n} = @${n}`).join(', ')} WHERE id = @id`;
    return (
      connectionOf(this.db)
        .prepare(sql)
        .run({ ...fields, id }).changes === 1
    );
  }
}
