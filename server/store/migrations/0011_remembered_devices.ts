/**
 * Issue 14: remembered devices and the last method used.
 *
 * remembered_devices: a device an application asked Tessera to remember
 * after a successful verify. The token (256 random bits) is kept only as its
 * SHA-256, bound to the user and the API key that asked; a token presented
 * by another key matches nothing. Expired rows are swept; a revoked one is
 * deleted.
 *
 * users.last_factor_*: the factor the user's last successful verify used
 * (mfa2's "always go to the last method"), for GET /users/{u}.
 */
export const sql = `
CREATE TABLE remembered_devices (
  id            TEXT PRIMARY KEY,
  user_id       TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  api_key_id    TEXT NOT NULL REFERENCES api_keys(id) ON DELETE CASCADE,
  token_hash    BLOB NOT NULL UNIQUE CHECK (length(token_hash) = 32),
  label         TEXT NOT NULL,
  user_agent    TEXT,
  created_at    INTEGER NOT NULL,
  last_used_at  INTEGER,
  expires_at    INTEGER NOT NULL
) STRICT;
CREATE INDEX remembered_devices_by_user ON remembered_devices(user_id, created_at);
CREATE INDEX remembered_devices_by_expiry ON remembered_devices(expires_at);

ALTER TABLE users ADD COLUMN last_factor_id TEXT;
ALTER TABLE users ADD COLUMN last_factor_type TEXT;
ALTER TABLE users ADD COLUMN last_verified_at INTEGER;
`;
