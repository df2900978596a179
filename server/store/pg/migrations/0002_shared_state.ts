/** SQLite's 0016_shared_state (see there): sign-in tickets and check leases shared by every node. */
export const sql = `
CREATE TABLE signin_tickets (
  hash                TEXT COLLATE "C" PRIMARY KEY,
  operator_id         TEXT COLLATE "C" NOT NULL REFERENCES operators(id) ON DELETE CASCADE,
  purpose             TEXT COLLATE "C" NOT NULL CHECK (purpose IN ('totp','enroll')),
  expires_at          BIGINT NOT NULL,
  attempts            BIGINT NOT NULL DEFAULT 0,
  secret_sealed       BYTEA,
  secret_key_version  BIGINT REFERENCES data_keys(version)
);
CREATE INDEX signin_tickets_by_operator ON signin_tickets (operator_id);
CREATE INDEX signin_tickets_by_expiry ON signin_tickets (expires_at);

CREATE TABLE check_leases (
  kind         TEXT COLLATE "C" NOT NULL,
  subject_key  TEXT COLLATE "C" NOT NULL,
  holder       TEXT COLLATE "C" NOT NULL,
  expires_at   BIGINT NOT NULL,
  PRIMARY KEY (kind, subject_key)
);
`;
