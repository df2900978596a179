/** SQLite's 0017_jobs (see there): console jobs every node can answer for. */
export const sql = `
CREATE TABLE console_jobs (
  id                TEXT COLLATE "C" PRIMARY KEY,
  kind              TEXT COLLATE "C" NOT NULL,
  owner_id          TEXT COLLATE "C" NOT NULL,
  node              TEXT COLLATE "C" NOT NULL,
  node_url          TEXT COLLATE "C",
  state             TEXT COLLATE "C" NOT NULL CHECK (state IN ('running','done','failed','cancelled')),
  done              BIGINT NOT NULL DEFAULT 0,
  total             BIGINT NOT NULL DEFAULT 0,
  message           TEXT COLLATE "C",
  cancel_requested  BIGINT NOT NULL DEFAULT 0 CHECK (cancel_requested IN (0, 1)),
  started_at        BIGINT NOT NULL,
  finished_at       BIGINT
);
CREATE INDEX console_jobs_by_node ON console_jobs (node, state);
CREATE INDEX console_jobs_by_start ON console_jobs (started_at);
`;
