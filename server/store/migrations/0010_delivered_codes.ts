/**
 * Codes Tessera sends (issue 13): email and SMS factors, the codes sent to
 * them, the sends that rate limits count, the helpdesk's temporary codes,
 * and the transports' settings.
 *
 * users.phone: an E.164 number (validated by libphonenumber-js at the edge).
 *
 * factors is rebuilt (SQLite cannot change a CHECK in place) to take the
 * 'sms' type and `destination`: the address or number a delivered factor's
 * codes go to, copied when it is enrolled so a changed user field does not
 * silently redirect codes. webauthn_credentials, which references factors, is
 * rebuilt with it: it is dropped first so dropping factors cascades to
 * nothing, and the renames point its reference at the new factors.
 *
 * delivered_codes: one live code per factor (UNIQUE factor_id: a new
 * challenge replaces the old one), its id is the transactionId, the code is
 * kept only as an HMAC under a key derived from the master key (never the
 * code), deleted when used or expired.
 *
 * code_sends: one row per code sent, counted by the per-user and per-API-key
 * send limits; old rows are pruned as sends are made.
 *
 * temporary_codes: the helpdesk's lost-device code, HMAC only, at most one
 * per user, with its reason, who issued it, life and uses left.
 *
 * delivery_transports: SMTP and SMS gateway settings (JSON, no secret) with
 * the password or token sealed under a data key, like seeds.
 */
export const sql = `
ALTER TABLE users ADD COLUMN phone TEXT;

CREATE TABLE factors_next (
  id             TEXT PRIMARY KEY,
  user_id        TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  type           TEXT NOT NULL CHECK (type IN ('totp','hotp','webauthn','email','sms')),
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
  last_used_at   INTEGER,
  destination    TEXT,
  CHECK ((type IN ('email','sms')) = (destination IS NOT NULL))
) STRICT;
INSERT INTO factors_next (id, user_id, type, status, label, algorithm, digits, period, secret_sealed, key_version, counter, last_step, created_at, confirmed_at, expires_at, last_used_at, destination)
  SELECT id, user_id, type, status, label, algorithm, digits, period, secret_sealed, key_version, counter, last_step, created_at, confirmed_at, expires_at, last_used_at, NULL
  FROM factors WHERE type <> 'email';

CREATE TABLE webauthn_credentials_next (
  id             TEXT PRIMARY KEY,
  factor_id      TEXT UNIQUE REFERENCES factors_next(id) ON DELETE CASCADE,
  operator_id    TEXT REFERENCES operators(id) ON DELETE CASCADE,
  rp_id          TEXT NOT NULL,
  credential_id  BLOB NOT NULL UNIQUE CHECK (length(credential_id) BETWEEN 1 AND 1023),
  public_key     BLOB NOT NULL,
  counter        INTEGER NOT NULL DEFAULT 0 CHECK (counter >= 0),
  transports     TEXT NOT NULL DEFAULT '[]',
  aaguid         TEXT NOT NULL,
  backed_up      INTEGER NOT NULL CHECK (backed_up IN (0, 1)),
  device_type    TEXT NOT NULL CHECK (device_type IN ('singleDevice', 'multiDevice')),
  label          TEXT,
  created_at     INTEGER NOT NULL,
  last_used_at   INTEGER,
  flagged_at     INTEGER,
  flag_reason    TEXT,
  CHECK ((factor_id IS NULL) <> (operator_id IS NULL))
) STRICT;
INSERT INTO webauthn_credentials_next SELECT * FROM webauthn_credentials;
DROP TABLE webauthn_credentials;
DROP TABLE factors;
ALTER TABLE factors_next RENAME TO factors;
ALTER TABLE webauthn_credentials_next RENAME TO webauthn_credentials;
CREATE INDEX factors_by_user ON factors(user_id, status);
CREATE INDEX factors_pending_expiry ON factors(expires_at) WHERE status = 'pending';
CREATE INDEX webauthn_credentials_by_operator ON webauthn_credentials(operator_id) WHERE operator_id IS NOT NULL;

CREATE TABLE delivered_codes (
  id           TEXT PRIMARY KEY,
  user_id      TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  factor_id    TEXT NOT NULL UNIQUE REFERENCES factors(id) ON DELETE CASCADE,
  purpose      TEXT NOT NULL CHECK (purpose IN ('challenge','confirm')),
  code_mac     BLOB NOT NULL CHECK (length(code_mac) = 32),
  api_key_id   TEXT REFERENCES api_keys(id) ON DELETE CASCADE,
  created_at   INTEGER NOT NULL,
  expires_at   INTEGER NOT NULL
) STRICT;
CREATE INDEX delivered_codes_by_user ON delivered_codes(user_id);
CREATE INDEX delivered_codes_by_expiry ON delivered_codes(expires_at);

CREATE TABLE code_sends (
  id           INTEGER PRIMARY KEY,
  user_id      TEXT REFERENCES users(id) ON DELETE CASCADE,
  api_key_id   TEXT REFERENCES api_keys(id) ON DELETE CASCADE,
  channel      TEXT NOT NULL CHECK (channel IN ('email','sms')),
  at           INTEGER NOT NULL
) STRICT;
CREATE INDEX code_sends_by_user ON code_sends(user_id, at);
CREATE INDEX code_sends_by_api_key ON code_sends(api_key_id, at) WHERE api_key_id IS NOT NULL;
CREATE INDEX code_sends_by_time ON code_sends(at);

CREATE TABLE temporary_codes (
  id            TEXT PRIMARY KEY,
  user_id       TEXT NOT NULL UNIQUE REFERENCES users(id) ON DELETE CASCADE,
  code_mac      BLOB NOT NULL CHECK (length(code_mac) = 32),
  reason        TEXT NOT NULL,
  issued_by     TEXT,
  created_at    INTEGER NOT NULL,
  expires_at    INTEGER NOT NULL,
  max_uses      INTEGER NOT NULL CHECK (max_uses >= 1),
  uses_left     INTEGER NOT NULL CHECK (uses_left BETWEEN 0 AND max_uses),
  last_used_at  INTEGER
) STRICT;
CREATE INDEX temporary_codes_by_expiry ON temporary_codes(expires_at);

CREATE TABLE delivery_transports (
  channel        TEXT PRIMARY KEY CHECK (channel IN ('email','sms')),
  config         TEXT NOT NULL,
  secret_sealed  BLOB,
  key_version    INTEGER REFERENCES data_keys(version),
  updated_at     INTEGER NOT NULL,
  CHECK ((secret_sealed IS NULL) = (key_version IS NULL))
) STRICT;
`;
