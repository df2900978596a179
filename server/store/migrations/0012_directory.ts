/**
 * Issue 15: users from a directory (LDAP, Active Directory).
 *
 * directory_settings: the one connection, as JSON, with the bind password
 * sealed under a data key (never returned), and what the last sync did.
 *
 * users.directory_dn: set for a user the directory owns (their display name,
 * email and phone are then the directory's); directory_synced_at: the last
 * sync that saw them. users.disabled_at / disabled_reason: a disabled user
 * (left the directory, or disabled there): verify and challenge refuse them,
 * their factors are kept until the grace period ends. users.dir_pw_*: the
 * directory password check's own throttle (apart from the code throttle).
 *
 * directory_groups: a user's groups as the last sync read them, by a
 * lower-cased key for look-ups ("everyone in VPN-Users without a factor").
 */
export const sql = `
CREATE TABLE directory_settings (
  id             INTEGER PRIMARY KEY CHECK (id = 1),
  config         TEXT NOT NULL,
  password_sealed BLOB,
  key_version    INTEGER REFERENCES data_keys(version),
  updated_at     INTEGER NOT NULL,
  last_sync_at   INTEGER,
  last_sync      TEXT
) STRICT;

ALTER TABLE users ADD COLUMN directory_dn TEXT;
ALTER TABLE users ADD COLUMN directory_synced_at INTEGER;
ALTER TABLE users ADD COLUMN disabled_at INTEGER;
ALTER TABLE users ADD COLUMN disabled_reason TEXT;
ALTER TABLE users ADD COLUMN dir_pw_failures INTEGER NOT NULL DEFAULT 0;
ALTER TABLE users ADD COLUMN dir_pw_last_failure_at INTEGER;
ALTER TABLE users ADD COLUMN dir_pw_locked_until INTEGER;
CREATE INDEX users_from_directory ON users(username_key) WHERE directory_dn IS NOT NULL;
CREATE INDEX users_disabled ON users(disabled_at) WHERE disabled_at IS NOT NULL;

CREATE TABLE directory_groups (
  user_id     TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  group_key   TEXT NOT NULL,
  group_name  TEXT NOT NULL,
  PRIMARY KEY (user_id, group_key)
) STRICT, WITHOUT ROWID;
CREATE INDEX directory_groups_by_group ON directory_groups(group_key, user_id);
`;
