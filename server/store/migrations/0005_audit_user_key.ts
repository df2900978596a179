/**
 * Audit entries are found by user the way usernames are compared everywhere
 * else: case-insensitively after NFKC. The key is stored beside the name as
 * written (which stays in the hashed content); the user index moves to it.
 */
export const sql = `
ALTER TABLE audit_log ADD COLUMN target_user_key TEXT;
UPDATE audit_log SET target_user_key = lower(trim(target_user)) WHERE target_user IS NOT NULL;
DROP INDEX audit_by_user;
CREATE INDEX audit_by_user ON audit_log(target_user_key, seq);
`;
