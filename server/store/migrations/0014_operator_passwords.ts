/**
 * Issue 18: operators' passwords can be changed and reset.
 *
 * password_must_change: the password was set by someone else (an
 * administrator creating the operator or resetting it, or the CLI); after
 * signing in they may do nothing but choose their own. Operators created
 * before this migration keep 0: nobody can tell here which starting
 * passwords were never changed.
 * password_expires_at: such a temporary password stops signing in after
 * this time (null: the operator's own password, which does not expire).
 * password_changed_at: when the password was last set (null: before this).
 */
export const sql = `
ALTER TABLE operators ADD COLUMN password_must_change INTEGER NOT NULL DEFAULT 0 CHECK (password_must_change IN (0, 1));
ALTER TABLE operators ADD COLUMN password_expires_at INTEGER;
ALTER TABLE operators ADD COLUMN password_changed_at INTEGER;
`;
