/** Initial schema. Times are integer milliseconds since the epoch (UTC). */
export const sql = `
CREATE TABLE data_keys (
  version     INTEGER PRIMARY KEY,
  wrapped     BLOB NOT NULL,
  created_at  INTEGER NOT NULL
) STRICT;

CREATE TABLE settings (
  key    TEXT PRIMARY KEY,
  value  TEXT NOT NULL
) STRICT;

CREATE TABLE users (
  id               TEXT PRIMARY KEY,
  username         TEXT NOT NULL,
  username_key     TEXT NOT NULL UNIQUE,
  display_name     TEXT,
  email            TEXT,
  search_text      TEXT NOT NULL,
  created_at       INTEGER NOT NULL,
  failures         INTEGER NOT NULL DEFAULT 0,
  last_failure_at  INTEGER,
  locked_until     INTEGER
) STRICT;

CREATE TABLE factors (
  id             TEXT PRIMARY KEY,
  user_id        TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  type           TEXT NOT NULL CHECK (type IN ('totp','hotp','webauthn','email')),
  status         TEXT NOT NULL CHECK (status IN ('pending','active')),
  label          TEXT,
  algorithm      TEXT CHECK (algorithm IN ('SHA1','SHA256','SHA512')),
  digits         INTEGER CHECK (digits IN (6,8)),
  period         INTEGER CHECK (period IN (30,60)),
  secret_sealed  BLOB,
  key_version    INTEGER REFERENCES data_keys(version),
  counter        INTEGER NOT NULL DEFAULT 0 CHECK (counter >= 0),
  last_step      INTEGER NOT NULL DEFAULT 0 CHECK (last_step >= 0),
  created_at     INTEGER NOT NULL,
  confirmed_at   INTEGER,
  expires_at     INTEGER,
  last_used_at   INTEGER
) STRICT;
CREATE INDEX factors_by_user ON factors(user_id, status);
CREATE INDEX factors_pending_expiry ON factors(expires_at) WHERE status = 'pending';

CREATE TABLE recovery_codes (
  id          INTEGER PRIMARY KEY,
  user_id     TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  lookup_id   TEXT NOT NULL,
  hash        TEXT NOT NULL,
  created_at  INTEGER NOT NULL,
  used_at     INTEGER,
  UNIQUE (user_id, lookup_id)
) STRICT;

CREATE TABLE api_keys (
  id            TEXT PRIMARY KEY,
  name          TEXT NOT NULL,
  prefix        TEXT NOT NULL,
  hash          TEXT NOT NULL UNIQUE,
  scopes        TEXT NOT NULL,
  created_at    INTEGER NOT NULL,
  last_used_at  INTEGER,
  revoked_at    INTEGER
) STRICT;

CREATE TABLE operators (
  id              TEXT PRIMARY KEY,
  username        TEXT NOT NULL,
  username_key    TEXT NOT NULL UNIQUE,
  display_name    TEXT,
  role            TEXT NOT NULL CHECK (role IN ('admin','helpdesk','auditor')),
  password_hash   TEXT,
  totp_sealed     BLOB,
  totp_key_version INTEGER REFERENCES data_keys(version),
  totp_last_step  INTEGER NOT NULL DEFAULT 0,
  status          TEXT NOT NULL CHECK (status IN ('pending','active','disabled')),
  created_at      INTEGER NOT NULL,
  failures        INTEGER NOT NULL DEFAULT 0,
  last_failure_at INTEGER,
  locked_until    INTEGER
) STRICT;

CREATE TABLE setup_tokens (
  hash        TEXT PRIMARY KEY,
  purpose     TEXT NOT NULL,
  created_at  INTEGER NOT NULL,
  expires_at  INTEGER NOT NULL,
  used_at     INTEGER
) STRICT;

CREATE TABLE signing_keys (
  version         INTEGER PRIMARY KEY,
  private_sealed  BLOB NOT NULL,
  key_version     INTEGER NOT NULL REFERENCES data_keys(version),
  public_der      BLOB NOT NULL,
  created_at      INTEGER NOT NULL
) STRICT;

CREATE TABLE audit_log (
  seq          INTEGER PRIMARY KEY,
  at           TEXT NOT NULL,
  at_ms        INTEGER NOT NULL,
  actor_kind   TEXT NOT NULL,
  actor_id     TEXT,
  actor_name   TEXT,
  action       TEXT NOT NULL,
  target_user  TEXT,
  outcome      TEXT NOT NULL,
  reason       TEXT,
  ip           TEXT,
  details      TEXT,
  hash         TEXT NOT NULL
) STRICT;
CREATE INDEX audit_by_user ON audit_log(target_user, seq);
CREATE INDEX audit_by_action ON audit_log(action, seq);
CREATE INDEX audit_by_actor ON audit_log(actor_name, seq);
CREATE INDEX audit_by_time ON audit_log(at_ms);

-- The signed head: lets audit verify notice a removed or rewritten tail.
CREATE TABLE audit_head (
  id           INTEGER PRIMARY KEY CHECK (id = 1),
  seq          INTEGER NOT NULL,
  hash         TEXT NOT NULL,
  signature    TEXT NOT NULL,
  key_version  INTEGER NOT NULL REFERENCES signing_keys(version)
) STRICT;

-- Periodic signed checkpoints, kept forever, for offline proof of the prefix.
CREATE TABLE audit_checkpoints (
  seq          INTEGER PRIMARY KEY,
  hash         TEXT NOT NULL,
  signature    TEXT NOT NULL,
  key_version  INTEGER NOT NULL REFERENCES signing_keys(version),
  at           INTEGER NOT NULL
) STRICT;
`;
