/**
 * Issue 17: long console jobs (batch sheets, imports, integrity checks,
 * directory syncs) recorded in the database, so every node behind a load
 * balancer can answer for a job another node runs: its state and progress,
 * where its result is, and a cancel request that node's job picks up.
 *
 * The work and its result (a PDF with seeds, an import preview) stay in the
 * memory and temp files of the node that runs it (`node`, `node_url`): no
 * file contents or results here. `cancel_requested` is set by any node; the
 * running node checks it at its next progress tick. Times in ms. Rows of
 * finished jobs are deleted after their keep time, like the jobs themselves.
 */
export const sql = `
CREATE TABLE console_jobs (
  id                TEXT PRIMARY KEY,
  kind              TEXT NOT NULL,
  owner_id          TEXT NOT NULL,
  node              TEXT NOT NULL,
  node_url          TEXT,
  state             TEXT NOT NULL CHECK (state IN ('running','done','failed','cancelled')),
  done              INTEGER NOT NULL DEFAULT 0,
  total             INTEGER NOT NULL DEFAULT 0,
  message           TEXT,
  cancel_requested  INTEGER NOT NULL DEFAULT 0 CHECK (cancel_requested IN (0, 1)),
  started_at        INTEGER NOT NULL,
  finished_at       INTEGER
) STRICT;
CREATE INDEX console_jobs_by_node ON console_jobs(node, state);
CREATE INDEX console_jobs_by_start ON console_jobs(started_at);
`;
