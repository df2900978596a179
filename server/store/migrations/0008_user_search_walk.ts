/**
 * A covering index for searches that walk users in key order (a substring that
 * matches many users, a without-factor filter): the walk reads only the index,
 * about ten times faster than the table, so a bounded walk covers more users.
 */
export const sql = `
CREATE INDEX users_by_key_text ON users(username_key, search_text);
`;
