/**
 * Sign-in throttle state for usernames that are not operators, kept like an
 * operator's own (same columns, same lifetime, survives a restart), so the
 * throttle answers an unknown name exactly as it would a known one.
 */
export const sql = `
CREATE TABLE login_phantoms (
  username_key    TEXT PRIMARY KEY,
  failures        INTEGER NOT NULL DEFAULT 0,
  last_failure_at INTEGER,
  locked_until    INTEGER
) STRICT;
CREATE INDEX login_phantoms_by_age ON login_phantoms(last_failure_at);
`;
