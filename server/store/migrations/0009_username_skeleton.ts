/**
 * Each user's username skeleton (core/usernames/skeleton: the UTS #39 key that
 * look-alike names share), unique, so "аlice" (Cyrillic а) cannot join an
 * "alice". Rows from before this migration are filled in when the store opens
 * (UsersRepo.fillSkeletons); where two old users already look alike, the first
 * keeps the key and the other stays NULL until the first is gone.
 */
export const sql = `
ALTER TABLE users ADD COLUMN username_skeleton TEXT;
CREATE UNIQUE INDEX users_by_skeleton ON users(username_skeleton);
`;
