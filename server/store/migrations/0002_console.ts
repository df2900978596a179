/** Console sessions and the per-day audit counters the dashboard reads. */
export const sql = `
CREATE TABLE sessions (
  id_hash       TEXT PRIMARY KEY,
  operator_id   TEXT NOT NULL REFERENCES operators(id) ON DELETE CASCADE,
  created_at    INTEGER NOT NULL,
  last_seen_at  INTEGER NOT NULL,
  expires_at    INTEGER NOT NULL,
  ip            TEXT,
  user_agent    TEXT
) STRICT;
CREATE INDEX sessions_by_operator ON sessions(operator_id);

-- Derived from audit_log on append, so the dashboard never scans the log.
CREATE TABLE audit_daily (
  day      TEXT NOT NULL,
  action   TEXT NOT NULL,
  outcome  TEXT NOT NULL,
  reason   TEXT NOT NULL DEFAULT '',
  n        INTEGER NOT NULL,
  PRIMARY KEY (day, action, outcome, reason)
) STRICT, WITHOUT ROWID;

INSERT INTO audit_daily (day, action, outcome, reason, n)
  SELECT substr(at, 1, 10), action, outcome, coalesce(reason, ''), count(*) FROM audit_log GROUP BY 1, 2, 3, 4;

CREATE INDEX audit_by_outcome ON audit_log(outcome, seq);
`;
