/**
 * Issue 17: what operator sign-in and verify used to keep in one process's
 * memory, in the database, so several nodes behind a load balancer without
 * sticky sessions share it.
 *
 * signin_tickets: a sign-in between its password and its second step. Only
 * the SHA-256 of the ticket text is stored; an enrollment ticket's new TOTP
 * seed is sealed with the keyring (secret_sealed, secret_key_version), as
 * every other secret. Used once: the step that completes it deletes the row
 * inside its transaction; the session sweep deletes expired rows.
 *
 * check_leases: one slow check (an operator's password, a user's recovery
 * code) in flight per subject across nodes. A node takes the row when it is
 * free or its lease has run out (expires_at bounds a crashed node's hold)
 * and deletes it when its check is done.
 */
export const sql = `
CREATE TABLE signin_tickets (
  hash                TEXT PRIMARY KEY,
  operator_id         TEXT NOT NULL REFERENCES operators(id) ON DELETE CASCADE,
  purpose             TEXT NOT NULL CHECK (purpose IN ('totp','enroll')),
  expires_at          INTEGER NOT NULL,
  attempts            INTEGER NOT NULL DEFAULT 0,
  secret_sealed       BLOB,
  secret_key_version  INTEGER REFERENCES data_keys(version)
) STRICT;
CREATE INDEX signin_tickets_by_operator ON signin_tickets(operator_id);
CREATE INDEX signin_tickets_by_expiry ON signin_tickets(expires_at);

CREATE TABLE check_leases (
  kind         TEXT NOT NULL,
  subject_key  TEXT NOT NULL,
  holder       TEXT NOT NULL,
  expires_at   INTEGER NOT NULL,
  PRIMARY KEY (kind, subject_key)
) STRICT, WITHOUT ROWID;
`;
