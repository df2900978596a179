/**
 * Every error Tessera reports carries one of these stable codes plus a human
 * message. Applications branch on the code; operators read the message.
 * The HTTP status for each code lives here too so REST and tRPC agree.
 */
export const ERROR_CODES = {
  bad_request: 400,
  invalid_code: 400,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  /** A console (tRPC) call with the wrong HTTP method for its kind (query: GET, mutation: POST). */
  method_not_allowed: 405,
  /** The request's headers or body did not arrive in time (the server's header, request or idle timeout). */
  timeout: 408,
  conflict: 409,
  too_large: 413,
  unsupported_media_type: 415,
  /** An `Expect` header other than 100-continue. */
  expectation_failed: 417,
  locked: 423,
  throttled: 429,
  /** The request's headers are over Node's limit (16 KB by default). */
  headers_too_large: 431,
  method_disabled: 403,
  /** A method this release does not implement yet (email codes): it cannot be turned on. */
  method_unavailable: 409,
  integrity: 500,
  internal: 500,
  /** The SMTP server or SMS gateway refused or failed to take a code: nothing was delivered. */
  delivery_failed: 502,
  /** Email or SMS has no transport set up yet (Settings → Methods). */
  delivery_unconfigured: 503,
  /** The directory (LDAP/AD) could not be reached, refused the bind, or failed the search: nothing was changed. */
  directory_unavailable: 502,
  /** No directory connection is set up yet (Settings → Directory). */
  directory_unconfigured: 503,
  /** GET /healthz on a node that cannot reach its PostgreSQL database: a load balancer takes it out. */
  database_unavailable: 503,
  /** The user left the directory or is disabled there: no code is checked or sent for them. */
  user_disabled: 403,
  /** A directory user's display name, email or phone: the directory owns them, change them there. */
  directory_managed: 409,
  /** A sync would disable more than the guard's share of the directory's users: it stopped; confirm to go on. */
  mass_disable_guard: 409,
  /** Several nodes: what was asked for (a batch's file, a previewed import) is held by another node; the message names it. */
  on_other_node: 409,
  /** The signed-in operator's password was set by someone else (a new operator, a reset): they must choose their own before anything else. */
  password_change_required: 403,
} as const;

export type ErrorCode = keyof typeof ERROR_CODES;

export interface ErrorBody {
  error: { code: ErrorCode; message: string; fields?: FieldIssue[]; retryAfterSeconds?: number };
}

export interface FieldIssue {
  path: string;
  message: string;
}

export class TesseraError extends Error {
  readonly code: ErrorCode;
  readonly fields?: FieldIssue[];
  readonly retryAfterSeconds?: number;

  constructor(code: ErrorCode, message: string, extra: { fields?: FieldIssue[]; retryAfterSeconds?: number } = {}) {
    super(message);
    this.name = 'TesseraError';
    this.code = code;
    if (extra.fields) this.fields = extra.fields;
    if (extra.retryAfterSeconds !== undefined) this.retryAfterSeconds = extra.retryAfterSeconds;
  }

  get status(): number {
    return ERROR_CODES[this.code];
  }

  toBody(): ErrorBody {
    const body: ErrorBody = { error: { code: this.code, message: this.message } };
    if (this.fields) body.error.fields = this.fields;
    if (this.retryAfterSeconds !== undefined) body.error.retryAfterSeconds = this.retryAfterSeconds;
    return body;
  }
}
