import { randomUUID } from 'node:crypto';
import { TesseraError } from '../../shared/errors';
import { usernameKey } from '../../shared/schemas/text';
import type { CodeStepInput, LoginInput, LoginStep, OperatorView, SetupInput } from '../../shared/schemas/operators';
import { buildOtpauthUri } from '../core/otp/otpauthUri';
import { base32Encode, generateOtpSecret } from '../core/otp/secret';
import { verifyTotp } from '../core/otp/totp';
import { evaluateThrottle, recordFailure, recordSuccess, type ThrottleState } from '../core/policy/throttle';
import { hashPassword, passwordProblems, verifyPassword, verifyPasswordAgainstNothing } from '../core/passwords';
import { generateToken, hashToken } from '../core/tokens';
import type { OperatorRow } from '../store/index';
import type { Actor, ServiceContext } from './context';
import { iso } from './views';

/** Session limits (NIST 800-63B §4.2.3 for AAL2): idle 30 minutes, absolute 12 hours. */
export const SESSION_IDLE_MS = 30 * 60_000;
export const SESSION_ABSOLUTE_MS = 12 * 3_600_000;
/** The second sign-in step must follow the first within this time. */
export const TICKET_MS = 5 * 60_000;
/** Wrong codes a ticket survives before the sign-in must start again. */
export const TICKET_ATTEMPTS = 5;
/** Operator logins lock sooner than application verifies: a console is a bigger prize. */
const OPERATOR_THROTTLE = { freeAttempts: 3, lockAfter: 10, lockSeconds: 15 * 60 };

const GENERIC_LOGIN_ERROR = 'Wrong username or password';

export const operatorAad = (operatorId: string) => `tessera:operator-totp:${operatorId}`;

interface Ticket {
  operatorId: string;
  purpose: 'totp' | 'enroll';
  expiresAt: number;
  attempts: number;
  /** Only for enrollment: the new seed, held in memory until the first code confirms it. */
  secret?: Uint8Array;
}

export interface ConsoleSession {
  sessionId: string;
  operator: OperatorView;
  expiresAt: number;
}

export interface RequestMeta {
  ip: string | null;
  userAgent: string | null;
}

export function toOperatorView(op: OperatorRow): OperatorView {
  return {
    id: op.id,
    username: op.username,
    displayName: op.display_name,
    role: op.role,
    status: op.status,
    createdAt: iso(op.created_at)!,
  };
}

function operatorActor(op: Pick<OperatorRow, 'id' | 'username'>, ip: string | null): Actor {
  return { kind: 'operator', id: op.id, name: op.username, ip };
}

function throttleOf(op: OperatorRow): ThrottleState {
  return { failures: op.failures, lastFailureAt: op.last_failure_at, lockedUntil: op.locked_until };
}

/**
 * Operator sign-in: password, then the operator's own TOTP code (or, on the
 * first sign-in, enrolling it). Sessions are random ids stored hashed, with
 * idle and absolute expiry; disabling an operator ends them. Unknown
 * usernames are answered exactly like wrong passwords, with the same work.
 */
export class OperatorAuth {
  private readonly tickets = new Map<string, Ticket>();
  /** Failure counts for usernames that do not exist, so the throttle does not reveal which do. */
  private readonly phantomFailures = new Map<string, ThrottleState>();

  constructor(private readonly ctx: ServiceContext) {}

  /** First run: a valid setup token creates the first admin (pending until their TOTP is confirmed). */
  async beginSetup(input: SetupInput, meta: RequestMeta): Promise<Extract<LoginStep, { next: 'enroll' }>> {
    const { ctx } = this;
    const problems = passwordProblems(input.password);
    if (problems.length > 0) {
      throw new TesseraError('bad_request', problems.join(' '), { fields: problems.map((message) => ({ path: 'password', message })) });
    }
    const passwordHash = await hashPassword(input.password);
    const now = ctx.clock();
    const op = ctx.store.tx(() => {
      if (ctx.store.operators.count() > 0) throw new TesseraError('conflict', 'Tessera is already set up; sign in instead');
      if (!ctx.store.setupTokens.consume(hashToken(input.token), now)) {
        throw new TesseraError('unauthorized', 'This setup link is not valid or has expired; run "tessera init" for a new one');
      }
      const row = {
        id: randomUUID(),
        username: input.username,
        username_key: usernameKey(input.username),
        display_name: input.displayName ?? null,
        role: 'admin' as const,
        password_hash: passwordHash,
        status: 'pending' as const,
        created_at: now,
      };
      ctx.store.operators.insert(row);
      ctx.audit.append({ actor: { kind: 'system', id: null, name: 'setup-link', ip: meta.ip }, action: 'operator.create', outcome: 'success', details: { operatorId: row.id, operator: row.username, role: 'admin', firstAdmin: true } });
      return ctx.store.operators.findById(row.id)!;
    });
    return this.enrollTicket(op);
  }

  /** Step one: the password. Returns a ticket for step two. */
  async login(input: LoginInput, meta: RequestMeta): Promise<LoginStep> {
    const { ctx } = this;
    const key = usernameKey(input.username);
    const op = ctx.store.operators.findByKey(key);
    const state = op ? throttleOf(op) : (this.phantomFailures.get(key) ?? { failures: 0, lastFailureAt: null, lockedUntil: null });
    const gate = evaluateThrottle(state, ctx.clock(), OPERATOR_THROTTLE);
    if (gate.decision !== 'allow') {
      throw new TesseraError('throttled', `Too many failed sign-ins. Try again in ${gate.retryAfterSeconds} seconds.`, { retryAfterSeconds: gate.retryAfterSeconds });
    }
    const ok = op?.password_hash ? await verifyPassword(input.password, op.password_hash) : await verifyPasswordAgainstNothing(input.password);
    if (!op || !ok || op.status === 'disabled') {
      this.recordLoginFailure(key, op, meta, !op ? 'unknown_operator' : !ok ? 'wrong_password' : 'disabled');
      throw new TesseraError('unauthorized', GENERIC_LOGIN_ERROR);
    }
    if (op.status === 'pending' || !op.totp_sealed) return this.enrollTicket(op);
    return { next: 'totp', ticket: this.issueTicket({ operatorId: op.id, purpose: 'totp', expiresAt: ctx.clock() + TICKET_MS, attempts: 0 }) };
  }

  /** Step two for an enrolled operator: their TOTP code. Returns a new session. */
  completeLogin(input: CodeStepInput, meta: RequestMeta): ConsoleSession {
    return this.codeStep(input, 'totp', meta);
  }

  /** Step two on first sign-in: the first code from the newly scanned authenticator. */
  completeEnrollment(input: CodeStepInput, meta: RequestMeta): ConsoleSession {
    return this.codeStep(input, 'enroll', meta);
  }

  /** The operator behind a session cookie, or null when the session is unknown, idle too long, expired or disabled. */
  authenticate(sessionId: string): { operator: OperatorRow; expiresAt: number } | null {
    const { ctx } = this;
    const idHash = hashToken(sessionId);
    const row = ctx.store.sessions.find(idHash);
    if (!row) return null;
    const now = ctx.clock();
    if (row.expires_at <= now || row.last_seen_at + SESSION_IDLE_MS <= now) return null;
    const op = ctx.store.operators.findById(row.operator_id);
    if (!op || op.status !== 'active') return null;
    // Coarse, so a busy console does not write on every request.
    if (now - row.last_seen_at > 30_000) ctx.store.sessions.touch(idHash, now);
    return { operator: op, expiresAt: Math.min(row.expires_at, now + SESSION_IDLE_MS) };
  }

  logout(sessionId: string, ip: string | null): void {
    const { ctx } = this;
    const idHash = hashToken(sessionId);
    ctx.store.tx(() => {
      const row = ctx.store.sessions.find(idHash);
      if (!row) return;
      ctx.store.sessions.delete(idHash);
      const op = ctx.store.operators.findById(row.operator_id);
      ctx.audit.append({ actor: op ? operatorActor(op, ip) : { kind: 'system', id: null, name: 'tessera', ip }, action: 'operator.logout', outcome: 'success' });
    });
  }

  purgeSessions(): number {
    const now = this.ctx.clock();
    for (const [k, t] of this.tickets) if (t.expiresAt <= now) this.tickets.delete(k);
    return this.ctx.store.sessions.purge(now, now - SESSION_IDLE_MS);
  }

  private issueTicket(t: Ticket): string {
    const token = generateToken();
    this.tickets.set(hashToken(token), t);
    return token;
  }

  private enrollTicket(op: OperatorRow): Extract<LoginStep, { next: 'enroll' }> {
    const secret = generateOtpSecret();
    const ticket = this.issueTicket({ operatorId: op.id, purpose: 'enroll', expiresAt: this.ctx.clock() + TICKET_MS, attempts: 0, secret });
    const issuer = `${this.ctx.settings.get().issuer} console`;
    const otpauthUri = buildOtpauthUri({ type: 'totp', issuer, account: op.username, secret, algorithm: 'SHA1', digits: 6, period: 30 });
    return { next: 'enroll', ticket, otpauthUri, secret: base32Encode(secret) };
  }

  private codeStep(input: CodeStepInput, purpose: Ticket['purpose'], meta: RequestMeta): ConsoleSession {
    const { ctx } = this;
    const ticketKey = hashToken(input.ticket);
    const ticket = this.tickets.get(ticketKey);
    const now = ctx.clock();
    if (!ticket || ticket.purpose !== purpose || ticket.expiresAt <= now) {
      this.tickets.delete(ticketKey);
      throw new TesseraError('unauthorized', 'This sign-in has expired; start again with your password');
    }
    const op = ctx.store.operators.findById(ticket.operatorId);
    if (!op || op.status === 'disabled') {
      this.tickets.delete(ticketKey);
      throw new TesseraError('unauthorized', GENERIC_LOGIN_ERROR);
    }
    const gate = evaluateThrottle(throttleOf(op), now, OPERATOR_THROTTLE);
    if (gate.decision !== 'allow') {
      throw new TesseraError('throttled', `Too many failed sign-ins. Try again in ${gate.retryAfterSeconds} seconds.`, { retryAfterSeconds: gate.retryAfterSeconds });
    }
    const secret = purpose === 'enroll' ? ticket.secret! : ctx.keyring.open(op.totp_sealed!, op.totp_key_version!, operatorAad(op.id));
    const result = verifyTotp({ secret, algorithm: 'SHA1', digits: 6, period: 30 }, input.code, {
      epochSeconds: Math.floor(now / 1000),
      window: 1,
      lastStep: purpose === 'enroll' ? 0 : op.totp_last_step,
    });
    if (!result.ok) {
      ticket.attempts += 1;
      if (ticket.attempts >= TICKET_ATTEMPTS) this.tickets.delete(ticketKey);
      this.recordLoginFailure(op.username_key, op, meta, result.reason === 'replay' ? 'replayed_code' : 'wrong_code');
      throw new TesseraError('invalid_code', 'That code is not right. Check the time on your phone and use the newest code.');
    }
    this.tickets.delete(ticketKey);
    const sessionId = generateToken();
    const cleared = recordSuccess();
    ctx.store.tx(() => {
      const fields: Partial<OperatorRow> = { totp_last_step: result.step, failures: cleared.failures, last_failure_at: cleared.lastFailureAt, locked_until: cleared.lockedUntil };
      if (purpose === 'enroll') {
        const sealed = ctx.keyring.seal(secret, operatorAad(op.id));
        Object.assign(fields, { totp_sealed: sealed.sealed, totp_key_version: sealed.keyVersion, status: 'active' });
        ctx.audit.append({ actor: operatorActor(op, meta.ip), action: 'operator.enroll', outcome: 'success', details: { operatorId: op.id } });
      }
      ctx.store.operators.update(op.id, fields);
      ctx.store.sessions.insert({ id_hash: hashToken(sessionId), operator_id: op.id, created_at: now, last_seen_at: now, expires_at: now + SESSION_ABSOLUTE_MS, ip: meta.ip, user_agent: meta.userAgent?.slice(0, 300) ?? null });
      ctx.audit.append({ actor: operatorActor(op, meta.ip), action: 'operator.login', outcome: 'success', details: { operatorId: op.id, role: op.role } });
    });
    const fresh = ctx.store.operators.findById(op.id)!;
    return { sessionId, operator: toOperatorView(fresh), expiresAt: now + SESSION_IDLE_MS };
  }

  private recordLoginFailure(key: string, op: OperatorRow | undefined, meta: RequestMeta, why: string): void {
    const { ctx } = this;
    const now = ctx.clock();
    if (!op) {
      this.phantomFailures.set(key, recordFailure(this.phantomFailures.get(key) ?? { failures: 0, lastFailureAt: null, lockedUntil: null }, now, OPERATOR_THROTTLE));
      if (this.phantomFailures.size > 10_000) this.phantomFailures.clear();
    }
    ctx.store.tx(() => {
      if (op) {
        const next = recordFailure(throttleOf(op), now, OPERATOR_THROTTLE);
        ctx.store.operators.update(op.id, { failures: next.failures, last_failure_at: next.lastFailureAt, locked_until: next.lockedUntil });
      }
      ctx.audit.append({
        actor: op ? operatorActor(op, meta.ip) : { kind: 'system', id: null, name: 'console-login', ip: meta.ip },
        action: 'operator.login', outcome: 'failure', reason: why,
        details: op ? { operatorId: op.id } : null,
      });
    });
  }
}
