import type { Db } from '../db';

export interface DailyCount {
  day: string;
  action: string;
  outcome: string;
  reason: string;
  n: number;
}

/** Counters for the dashboard, kept by the audit log as it appends. */
export class DashboardRepo {
  private readonly bumpStmt;
  private readonly sinceStmt;
  private readonly usersWithoutFactorStmt;
  private readonly pendingStmt;
  private readonly recoveryUsersStmt;

  constructor(db: Db) {
    const s = db.sqlite;
    this.bumpStmt = s.prepare<[string, string, string, string]>(
      `INSERT INTO audit_daily (day, action, outcome, reason, n) VALUES (?, ?, ?, ?, 1)
       ON CONFLICT (day, action, outcome, reason) DO UPDATE SET n = n + 1`,
    );
    this.sinceStmt = s.prepare<[string], DailyCount>('SELECT day, action, outcome, reason, n FROM audit_daily WHERE day >= ? ORDER BY day');
    this.usersWithoutFactorStmt = s.prepare<[], { n: number }>(
      `SELECT count(*) AS n FROM users u WHERE NOT EXISTS (SELECT 1 FROM factors f WHERE f.user_id = u.id AND f.status = 'active')`,
    );
    this.pendingStmt = s.prepare<[], { n: number }>(`SELECT count(*) AS n FROM factors WHERE status = 'pending'`);
    this.recoveryUsersStmt = s.prepare<[], { n: number }>('SELECT count(DISTINCT user_id) AS n FROM recovery_codes WHERE used_at IS NULL');
  }

  bump(day: string, action: string, outcome: string, reason: string | null): void {
    this.bumpStmt.run(day, action, outcome, reason ?? '');
  }

  since(day: string): DailyCount[] {
    return this.sinceStmt.all(day);
  }

  usersWithoutFactor(): number {
    return this.usersWithoutFactorStmt.get()!.n;
  }

  usersWithRecoveryCodes(): number {
    return this.recoveryUsersStmt.get()!.n;
  }

  pendingFactors(): number {
    return this.pendingStmt.get()!.n;
  }
}
