import { connectionOf } from '../connection';
import type { Db } from '../db';

export interface DirectorySettingsRow {
  /** The connection and sync rules as JSON, without the password. */
  config: string;
  /** The bind password, sealed under data key `key_version`. */
  password_sealed: Buffer | null;
  key_version: number | null;
  updated_at: number;
  last_sync_at: number | null;
  /** What the last sync did or why it stopped, as JSON. */
  last_sync: string | null;
}

/** A user the directory owns, as a sync compares them. */
export interface DirectoryUserRow {
  id: string;
  username: string;
  username_key: string;
  display_name: string | null;
  email: string | null;
  phone: string | null;
  directory_dn: string | null;
  disabled_at: number | null;
  disabled_reason: string | null;
}

export interface PasswordThrottleRow {
  dir_pw_failures: number;
  dir_pw_last_failure_at: number | null;
  dir_pw_locked_until: number | null;
}

/**
 * The directory connection (one row), which users the directory owns, who
 * is disabled, their groups, and the password check's throttle.
 */
export class DirectoryRepo {
  private readonly settingsStmt;
  private readonly upsertSettings;
  private readonly lastSyncStmt;
  private readonly byKey;
  private readonly fromDirectory;
  private readonly allGroups;
  private readonly markStmt;
  private readonly disableStmt;
  private readonly enableStmt;
  private readonly clearGroups;
  private readonly addGroup;
  private readonly pastGrace;
  private readonly inGroupWithoutFactor;
  private readonly inGroupWithoutFactorPage;
  private readonly groupList;
  private readonly countEnabled;
  private readonly pwGet;
  private readonly pwSet;
  private readonly groupsOfUser;

  constructor(db: Db) {
    const s = connectionOf(db);
    this.settingsStmt = s.prepare<[], DirectorySettingsRow>(
      'SELECT config, password_sealed, key_version, updated_at, last_sync_at, last_sync FROM directory_settings WHERE id = 1',
    );
    this.upsertSettings = s.prepare(
      `INSERT INTO directory_settings (id, config, password_sealed, key_version, updated_at) VALUES (1, @config, @password_sealed, @key_version, @updated_at)
       ON CONFLICT (id) DO UPDATE SET config = excluded.config, password_sealed = excluded.password_sealed,
         key_version = excluded.key_version, updated_at = excluded.updated_at`,
    );
    this.lastSyncStmt = s.prepare<[number, string]>('UPDATE directory_settings SET last_sync_at = ?, last_sync = ? WHERE id = 1');
    const cols = 'id, username, username_key, display_name, email, phone, directory_dn, disabled_at, disabled_reason';
    this.byKey = s.prepare<[string], DirectoryUserRow>(`SELECT ${cols} FROM users WHERE username_key = ?`);
    this.fromDirectory = s.prepare<[], DirectoryUserRow>(`SELECT ${cols} FROM users WHERE directory_dn IS NOT NULL ORDER BY username_key`);
    this.allGroups = s.prepare<[], { user_id: string; group_name: string }>('SELECT user_id, group_name FROM directory_groups ORDER BY user_id, group_key');
    this.groupsOfUser = s.prepare<[string], { group_name: string }>('SELECT group_name FROM directory_groups WHERE user_id = ? ORDER BY group_key');
    this.markStmt = s.prepare<[string, number, string]>('UPDATE users SET directory_dn = ?, directory_synced_at = ? WHERE id = ?');
    this.disableStmt = s.prepare<[number, string, string]>('UPDATE users SET disabled_at = ?, disabled_reason = ? WHERE id = ? AND disabled_at IS NULL');
    this.enableStmt = s.prepare<[string]>('UPDATE users SET disabled_at = NULL, disabled_reason = NULL WHERE id = ?');
    this.clearGroups = s.prepare<[string]>('DELETE FROM directory_groups WHERE user_id = ?');
    this.addGroup = s.prepare<[string, string, string]>('INSERT OR IGNORE INTO directory_groups (user_id, group_key, group_name) VALUES (?, ?, ?)');
    this.pastGrace = s.prepare<[number], { id: string; username: string; disabled_at: number; disabled_reason: string | null }>(
      `SELECT u.id, u.username, u.disabled_at, u.disabled_reason FROM users u
       WHERE u.disabled_at IS NOT NULL AND u.disabled_at <= ?
         -- An operator's disable (issue 18) is not a leaver's: their factors stay until an operator acts.
         AND u.disabled_reason IS DISTINCT FROM 'disabled_by_operator'
         AND (EXISTS (SELECT 1 FROM factors f WHERE f.user_id = u.id) OR EXISTS (SELECT 1 FROM recovery_codes r WHERE r.user_id = u.id)
              OR EXISTS (SELECT 1 FROM remembered_devices d WHERE d.user_id = u.id) OR EXISTS (SELECT 1 FROM temporary_codes t WHERE t.user_id = u.id))
       ORDER BY u.disabled_at LIMIT 500`,
    );
    this.inGroupWithoutFactor = s.prepare<[string, number], { username: string; display_name: string | null; email: string | null }>(
      `SELECT u.username, u.display_name, u.email FROM directory_groups g JOIN users u ON u.id = g.user_id
       WHERE g.group_key = ? AND u.disabled_at IS NULL
         AND NOT EXISTS (SELECT 1 FROM factors f WHERE f.user_id = u.id AND f.status = 'active')
       ORDER BY u.username_key LIMIT ?`,
    );
    // The same users as inGroupWithoutFactor, a page at a time after a username key (a rollout plans a whole group).
    this.inGroupWithoutFactorPage = s.prepare<[string, string, number], { username_key: string }>(
      `SELECT u.username_key FROM directory_groups g JOIN users u ON u.id = g.user_id
       WHERE g.group_key = ? AND u.username_key > ? AND u.disabled_at IS NULL
         AND NOT EXISTS (SELECT 1 FROM factors f WHERE f.user_id = u.id AND f.status = 'active')
       ORDER BY u.username_key LIMIT ?`,
    );
    this.groupList = s.prepare<[string, number], { name: string; members: number; without_factor: number }>(
      `SELECT min(g.group_name) AS name, count(*) AS members,
         count(*) FILTER (WHERE NOT EXISTS (SELECT 1 FROM factors f WHERE f.user_id = u.id AND f.status = 'active')) AS without_factor
       FROM directory_groups g JOIN users u ON u.id = g.user_id
       WHERE g.group_key LIKE ? ESCAPE '\\' AND u.disabled_at IS NULL
       GROUP BY g.group_key ORDER BY g.group_key LIMIT ?`,
    );
    this.countEnabled = s.prepare<[], { n: number }>('SELECT count(*) AS n FROM users WHERE directory_dn IS NOT NULL AND disabled_at IS NULL');
    this.pwGet = s.prepare<[string], PasswordThrottleRow>('SELECT dir_pw_failures, dir_pw_last_failure_at, dir_pw_locked_until FROM users WHERE id = ?');
    this.pwSet = s.prepare(
      'UPDATE users SET dir_pw_failures = @dir_pw_failures, dir_pw_last_failure_at = @dir_pw_last_failure_at, dir_pw_locked_until = @dir_pw_locked_until WHERE id = @id',
    );
  }

  settings(): DirectorySettingsRow | undefined {
    return this.settingsStmt.get();
  }

  setSettings(row: Pick<DirectorySettingsRow, 'config' | 'password_sealed' | 'key_version' | 'updated_at'>): void {
    this.upsertSettings.run(row);
  }

  setLastSync(at: number, json: string): void {
    this.lastSyncStmt.run(at, json);
  }

  user(usernameKey: string): DirectoryUserRow | undefined {
    return this.byKey.get(usernameKey);
  }

  /** Every user the directory owns, in username order. */
  directoryUsers(): DirectoryUserRow[] {
    return this.fromDirectory.all();
  }

  /** Every user's stored groups. */
  groupsByUser(): Map<string, string[]> {
    const out = new Map<string, string[]>();
    for (const r of this.allGroups.iterate()) {
      const list = out.get(r.user_id);
      if (list) list.push(r.group_name);
      else out.set(r.user_id, [r.group_name]);
    }
    return out;
  }

  groupsOf(userId: string): string[] {
    return this.groupsOfUser.all(userId).map((r) => r.group_name);
  }

  /** Marks a user as the directory's (their DN), seen by the sync at `at`. */
  markFromDirectory(id: string, dn: string, at: number): void {
    this.markStmt.run(dn, at, id);
  }

  disable(id: string, at: number, reason: string): boolean {
    return this.disableStmt.run(at, reason, id).changes === 1;
  }

  enable(id: string): boolean {
    return this.enableStmt.run(id).changes === 1;
  }

  /** Replaces a user's groups (keys lower-cased for look-ups). */
  setGroups(userId: string, groups: readonly string[]): void {
    this.clearGroups.run(userId);
    for (const g of groups) this.addGroup.run(userId, g.toLowerCase(), g);
  }

  /** Disabled users (since `before` or earlier) who still hold factors, codes or devices: the oldest 500. */
  disabledPastGrace(before: number): { id: string; username: string; disabled_at: number; disabled_reason: string | null }[] {
    return this.pastGrace.all(before);
  }

  usersInGroupWithoutFactor(group: string, limit: number): { username: string; display_name: string | null; email: string | null }[] {
    return this.inGroupWithoutFactor.all(group.toLowerCase(), limit);
  }

  /** Username keys of the group's enabled users without an active factor, after `afterKey`, in key order: one page. */
  usersInGroupWithoutFactorPage(group: string, afterKey: string, limit: number): string[] {
    return this.inGroupWithoutFactorPage.all(group.toLowerCase(), afterKey, limit).map((r) => r.username_key);
  }

  /** Groups whose name contains `query` (case-insensitive), with their enabled members and how many have no active factor; name order. */
  groups(query: string, limit: number): { name: string; members: number; without_factor: number }[] {
    const pattern = `%${query.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
    return this.groupList.all(pattern, limit);
  }

  /** Users from the directory who are not disabled: what the mass-disable guard's share is of. */
  enabledDirectoryUsers(): number {
    return this.countEnabled.get()!.n;
  }

  passwordThrottle(userId: string): PasswordThrottleRow | undefined {
    return this.pwGet.get(userId);
  }

  setPasswordThrottle(userId: string, t: PasswordThrottleRow): void {
    this.pwSet.run({ id: userId, ...t });
  }
}
