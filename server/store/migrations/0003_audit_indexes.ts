/**
 * The console's audit filters at a million entries: an action or actor
 * together with an outcome ("failed verifies", "what this API client got
 * refused") would otherwise walk every entry of that action or actor to find
 * the few with the outcome. (A time range is a seq range, so it needs no
 * index of its own; see AuditRepo.seqRange.)
 */
export const sql = `
CREATE INDEX audit_by_action_outcome ON audit_log(action, outcome, seq);
CREATE INDEX audit_by_actor_outcome ON audit_log(actor_name, outcome, seq);
`;
