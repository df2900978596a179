import { randomUUID } from 'node:crypto';
import { TesseraError } from '../../shared/errors';
import { usernameKey } from '../../shared/schemas/text';
import type { CodeStepInput, LoginInput, LoginStep, OperatorView, SetupInput } from '../../shared/schemas/operators';
import { buildOtpauthUri } from '../core/otp/otpauthUri';
import { base32Encode, generateOtpSecret } from '../core/otp/secret';
import { verifyTotp } from '../core/otp/totp';
import { CLEAR_THROTTLE, evaluateThrottle, recordFailure, recordSuccess, type ThrottleState } from '../core/policy/throttle';
import { hashPassword, passwordProblems, verifyPassword, verifyPasswordAgainstNothing } from '../core/passwords';
import { generateToken, hashToken } from '../core/tokens';
import type { PublicKeyCredentialRequestOptionsJSON } from '@simplewebauthn/server';
import { WEBAUTHN_REASONS, type AuthenticationResponse, type Reauth, type WebauthnReason } from '../../shared/schemas/webauthn';
import type { LoginPhantomRow, OperatorRow } from '../store/index';
import { AddressLimiter } from './addressLimiter';
import { passwordLane } from './hashLanes';
import { SingleFlight } from './singleFlight';
import type { Actor, ServiceContext } from './context';
import { requireMethodEnabled } from './factors';
import { iso } from './views';
import { authenticationOptions, commitAssertion, consumeChallenge, credentialDetails, freshChallenge, insertChallenge, precheck, verifyAssertion, type VerifiedAssertion } from './webauthn/ceremony';
import type { RelyingParty } from './webauthn/relyingParty';

/** Session limits (NIST 800-63B §4.2.3 for AAL2): idle 30 minutes, absolute 12 hours. */
export const SESSION_IDLE_MS = 30 * 60_000;
export const SESSION_ABSOLUTE_MS = 12 * 3_600_000;
/** The second sign-in step must follow the first within this time. */
export const TICKET_MS = 5 * 60_000;
/** Wrong codes a ticket survives before the sign-in must start again. */
export const TICKET_ATTEMPTS = 5;
/** Operator logins lock sooner than application verifies: a console is a bigger prize. */
const OPERATOR_THROTTLE = { freeAttempts: 3, lockAfter: 10, lockSeconds: 15 * 60 };
/**
 * Attempts for one username that may wait while one is being checked. A
 * person's double click needs one; more at once is a script, refused at once
 * (the same answer whether or not the name exists).
 */
export const LOGIN_WAITING_PER_NAME = 4;
/**
 * Unknown usernames whose throttle state is kept. Rows whose lock ran out go
 * first (the throttle reads them as no row); past that the oldest go. Pushing
 * a name out costs an attacker this many full password hashes, each through
 * the per-address limit and the password lane: days of work, all audited.
 * Operators' own counts live in their rows and are never evicted.
 */
export const LOGIN_PHANTOMS_KEPT = 100_000;
/** How often (new unknown names) the bound above is checked: counting rows is not free. */
const PHANTOM_BOUND_EVERY = 64;

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

function throttleOf(op: OperatorRow | LoginPhantomRow): ThrottleState {
  return { failures: op.failures, lastFailureAt: op.last_failure_at, lockedUntil: op.locked_until };
}

const seconds = (n: number) => (n === 1 ? '1 second' : `${n} seconds`);

/**
 * Operator sign-in: password, then the operator's own TOTP code (or, on the
 * first sign-in, enrolling it). Sessions are random ids stored hashed, with
 * idle and absolute expiry; disabling an operator ends them.
 *
 * The password step, in order: the client address's allowance (before the
 * name is looked at), one check in flight per username (others wait, see
 * SingleFlight), the name's throttle read afresh, the hash in the password
 * lane, and a failure counted against the row read inside the writing
 * transaction. Unknown usernames take exactly this path, with their state in
 * login_phantoms, the same hash work and the same answers.
 */
export class OperatorAuth {
  private readonly tickets = new Map<string, Ticket>();
  /** Password attempts per client address: checked before any lookup or hash. */
  private readonly addresses = new AddressLimiter();
  /** One password check in flight per username key (sign-in and re-authentication alike). */
  private readonly inFlight = new SingleFlight(LOGIN_WAITING_PER_NAME);
  private newPhantoms = 0;

  constructor(private readonly ctx: ServiceContext) {}

  /** First run: a valid setup token creates the first admin (pending until their TOTP is confirmed). */
  async beginSetup(input: SetupInput, meta: RequestMeta): Promise<Extract<LoginStep, { next: 'enroll' }>> {
    const { ctx } = this;
    const problems = passwordProblems(input.password);
    if (problems.length > 0) {
      throw new TesseraError('bad_request', problems.join(' '), { fields: problems.map((message) => ({ path: 'password', message })) });
    }
    this.takeAddressAttempt(meta);
    // Checked before the slow hash too (and again in the transaction): a wrong token must not cost a 128 MiB scrypt.
    this.requireSetupOpen(input.token, ctx.clock());
    const passwordHash = await passwordLane.run(() => hashPassword(input.password));
    const now = ctx.clock();
    const op = ctx.store.tx(() => {
      if (ctx.store.operators.count() > 0) throw setupDone();
      if (!ctx.store.setupTokens.consume(hashToken(input.token), now)) throw setupLinkInvalid();
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
      ctx.store.loginPhantoms.delete(row.username_key);
      ctx.audit.append({ actor: { kind: 'system', id: null, name: 'setup-link', ip: meta.ip }, action: 'operator.create', outcome: 'success', details: { operatorId: row.id, operator: row.username, role: 'admin', firstAdmin: true } });
      return ctx.store.operators.findById(row.id)!;
    });
    return this.enrollTicket(op);
  }

  /** Step one: the password. Returns a ticket for step two. */
  async login(input: LoginInput, meta: RequestMeta): Promise<LoginStep> {
    const { ctx } = this;
    this.takeAddressAttempt(meta);
    const key = usernameKey(input.username);
    const release = await this.inFlight.acquire(key);
    if (!release) throw tooManyAtOnce();
    try {
      // Read after waiting our turn: the attempt before ours has written its outcome.
      const found = ctx.store.operators.findByKey(key);
      this.requireUnthrottled(found ? throttleOf(found) : this.phantomState(key), 'sign-ins');
      const ok = await this.checkPassword(input.password, found?.password_hash ?? null);
      const op = found ? ctx.store.operators.findById(found.id) : undefined;
      if (!op || !ok || op.status === 'disabled') {
        this.recordLoginFailure(key, op?.id ?? null, meta, !op ? 'unknown_operator' : !ok ? 'wrong_password' : 'disabled');
        throw new TesseraError('unauthorized', GENERIC_LOGIN_ERROR);
      }
      return this.passwordAccepted(op);
    } finally {
      release();
    }
  }

  /** After the right password: the enrollment step for a new (or reset) operator, else a ticket for their code. */
  private passwordAccepted(op: OperatorRow): LoginStep {
    const { ctx } = this;
    if (op.status === 'pending' || !op.totp_sealed) return this.enrollTicket(op);
    const ticket = this.issueTicket({ operatorId: op.id, purpose: 'totp', expiresAt: ctx.clock() + TICKET_MS, attempts: 0 });
    const webauthn = ctx.settings.isEnabled('webauthn') && ctx.store.webauthn.forOperator(op.id).some((c) => c.flagged_at === null);
    return { next: 'totp', ticket, ...(webauthn ? { webauthn: true } : {}) };
  }

  /** Step two for an enrolled operator: their TOTP code. Returns a new session. */
  completeLogin(input: CodeStepInput, meta: RequestMeta): ConsoleSession {
    return this.codeStep(input, 'totp', meta);
  }

  /** Step two on first sign-in: the first code from the newly scanned authenticator. */
  completeEnrollment(input: CodeStepInput, meta: RequestMeta): ConsoleSession {
    return this.codeStep(input, 'enroll', meta);
  }

  /**
   * Step two with a security key or passkey instead of the TOTP code: options
   * listing the operator's keys for this console address, with a challenge
   * bound to them. The ticket stays valid for the code meanwhile.
   */
  async webauthnLoginOptions(ticketText: string, rp: RelyingParty, meta: RequestMeta): Promise<PublicKeyCredentialRequestOptionsJSON> {
    const { ctx } = this;
    requireMethodEnabled(ctx, 'webauthn');
    const { op } = this.openTicket(ticketText, 'totp');
    const allow = ctx.store.webauthn.forOperator(op.id).filter((c) => c.rp_id === rp.id && c.flagged_at === null);
    if (allow.length === 0) {
      throw new TesseraError('conflict', `You have no usable security key for ${rp.id}; use the code from your authenticator app`);
    }
    const challenge = freshChallenge();
    const options = await authenticationOptions({ rp, challenge, allow });
    const now = ctx.clock();
    ctx.store.tx(() => {
      insertChallenge(ctx, challenge, { purpose: 'authenticate', rpId: rp.id, apiKeyId: null, operatorId: op.id, userId: null }, now);
      ctx.audit.append({ actor: operatorActor(op, meta.ip), action: 'webauthn.challenge', outcome: 'success', details: { purpose: 'authenticate', rpId: rp.id, operatorId: op.id, console: true } });
    });
    return options;
  }

  /**
   * Step two with a security key: the assertion must answer a challenge
   * issued to this operator for this console address, come from its origin,
   * verify with one of their keys, and its signature counter must grow (a
   * counter that does not flags the key, refused from then on). A refusal
   * counts like a wrong code (ticket attempts and the operator's throttle),
   * with the reason in the audit entry.
   */
  async completeWebauthnLogin(input: { ticket: string; response: AuthenticationResponse }, rp: RelyingParty, meta: RequestMeta): Promise<ConsoleSession> {
    const { ctx } = this;
    requireMethodEnabled(ctx, 'webauthn');
    const { ticketKey, ticket, op, now } = this.openTicket(input.ticket, 'totp');
    const pre = precheck(ctx, input.response, 'webauthn.get', rp, { purpose: 'authenticate', rpId: rp.id, apiKeyId: null, operatorId: op.id, userId: null }, now);
    const cred = pre.credentialId ? ctx.store.webauthn.findByCredentialId(pre.credentialId) : undefined;
    let reason: WebauthnReason | null = pre.failure;
    if (!reason && (!cred || cred.operator_id !== op.id || cred.rp_id !== rp.id)) reason = 'unknown_credential';
    if (!reason && cred!.flagged_at !== null) reason = 'credential_flagged';
    let verified: VerifiedAssertion | null = null;
    if (!reason) {
      const v = await verifyAssertion(rp, pre.challenge!.challenge, cred!, input.response);
      if (v.ok) verified = v;
      else reason = v.reason;
    }
    const outcome = ctx.store.tx((): { sessionId: string } | { reason: WebauthnReason } => {
      const consumed = consumeChallenge(ctx, pre);
      if (!reason && !consumed) reason = 'challenge_unknown_or_used';
      if (!reason && !this.tickets.has(ticketKey)) reason = 'challenge_unknown_or_used';
      let counterInfo: Record<string, unknown> = {};
      if (!reason && verified) {
        const commit = commitAssertion(ctx, cred!.id, verified, ctx.clock());
        if (!commit.ok) ({ reason, details: counterInfo } = commit);
      }
      const details = { method: 'webauthn', rpId: rp.id, ...(cred && cred.operator_id === op.id ? { credentialId: cred.id, ...credentialDetails(cred) } : {}), ...counterInfo };
      if (reason || !verified) {
        this.secondStepFailed(ticketKey, ticket, op, meta, reason ?? 'unknown_credential', details);
        return { reason: reason ?? 'unknown_credential' };
      }
      return { sessionId: this.openSession(op, meta, now, {}, { ...details, userVerified: verified.userVerified }) };
    });
    if ('reason' in outcome) throw new TesseraError('invalid_code', WEBAUTHN_REASONS[outcome.reason]);
    this.tickets.delete(ticketKey);
    const fresh = ctx.store.operators.findById(op.id)!;
    return { sessionId: outcome.sessionId, operator: toOperatorView(fresh), expiresAt: now + SESSION_IDLE_MS };
  }

  /**
   * Re-authentication before a signed-in operator changes their own factors
   * (ASVS 5 7.5.1): their current password, or a fresh code from their
   * authenticator. A wrong answer counts toward their sign-in throttle and is
   * audited ('operator.reauth'). On success returns `commit`, to run inside
   * the caller's transaction: it spends the TOTP step (false: already used).
   */
  async reauthenticate(operatorId: string, reauth: Reauth, meta: RequestMeta): Promise<{ commit: () => boolean }> {
    const { ctx } = this;
    const signedIn = (): OperatorRow => {
      const row = ctx.store.operators.findById(operatorId);
      if (!row || row.status !== 'active') throw new TesseraError('unauthorized', 'Sign in to continue');
      return row;
    };
    // The same single flight as sign-in for this operator's name: one password check at a time, whichever door it comes through.
    const release = await this.inFlight.acquire(signedIn().username_key);
    if (!release) throw tooManyAtOnce();
    try {
      const op = signedIn();
      this.requireUnthrottled(throttleOf(op), 'attempts');
      let ok = false;
      let step: number | null = null;
      if ('password' in reauth) {
        ok = await this.checkPassword(reauth.password, op.password_hash);
      } else if (op.totp_sealed) {
        const secret = ctx.keyring.open(op.totp_sealed, op.totp_key_version!, operatorAad(op.id));
        const r = verifyTotp({ secret, algorithm: 'SHA1', digits: 6, period: 30 }, reauth.code, { epochSeconds: Math.floor(ctx.clock() / 1000), window: 1, lastStep: op.totp_last_step });
        if (r.ok) {
          ok = true;
          step = r.step;
        }
      }
      if (!ok) {
        ctx.store.tx(() => {
          this.countOperatorFailure(op.id);
          ctx.audit.append({ actor: operatorActor(op, meta.ip), action: 'operator.reauth', outcome: 'failure', reason: 'password' in reauth ? 'wrong_password' : 'wrong_code', details: { operatorId: op.id } });
        });
        throw new TesseraError('invalid_code', 'That is not your current password or a current code from your authenticator app');
      }
      return { commit: () => step === null || ctx.store.operators.advanceTotpStep(op.id, step) };
    } finally {
      release();
    }
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

  /** The live ticket of a second step and its operator, throttle-gated; throws when the sign-in must start again. */
  private openTicket(ticketText: string, purpose: Ticket['purpose']): { ticketKey: string; ticket: Ticket; op: OperatorRow; now: number } {
    const { ctx } = this;
    const ticketKey = hashToken(ticketText);
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
    this.requireUnthrottled(throttleOf(op), 'sign-ins');
    return { ticketKey, ticket, op, now };
  }

  /** A wrong second step: counts against the ticket (it dies after TICKET_ATTEMPTS) and the operator's throttle, audited. */
  private secondStepFailed(ticketKey: string, ticket: Ticket, op: OperatorRow, meta: RequestMeta, why: string, details: Record<string, unknown> = {}): void {
    ticket.attempts += 1;
    if (ticket.attempts >= TICKET_ATTEMPTS) this.tickets.delete(ticketKey);
    this.recordLoginFailure(op.username_key, op.id, meta, why, details);
  }

  /** Inside the caller's transaction: a new session for `op`, failures cleared, 'operator.login' audited. Returns the session id. */
  private openSession(op: OperatorRow, meta: RequestMeta, now: number, fields: Partial<OperatorRow>, details: Record<string, unknown> = {}): string {
    const { ctx } = this;
    const sessionId = generateToken();
    const cleared = recordSuccess();
    ctx.store.operators.update(op.id, { ...fields, failures: cleared.failures, last_failure_at: cleared.lastFailureAt, locked_until: cleared.lockedUntil });
    ctx.store.sessions.insert({ id_hash: hashToken(sessionId), operator_id: op.id, created_at: now, last_seen_at: now, expires_at: now + SESSION_ABSOLUTE_MS, ip: meta.ip, user_agent: meta.userAgent?.slice(0, 300) ?? null });
    ctx.audit.append({ actor: operatorActor(op, meta.ip), action: 'operator.login', outcome: 'success', details: { operatorId: op.id, role: op.role, ...details } });
    return sessionId;
  }

  private codeStep(input: CodeStepInput, purpose: Ticket['purpose'], meta: RequestMeta): ConsoleSession {
    const { ctx } = this;
    const { ticketKey, ticket, op, now } = this.openTicket(input.ticket, purpose);
    const secret = purpose === 'enroll' ? ticket.secret! : ctx.keyring.open(op.totp_sealed!, op.totp_key_version!, operatorAad(op.id));
    const result = verifyTotp({ secret, algorithm: 'SHA1', digits: 6, period: 30 }, input.code, {
      epochSeconds: Math.floor(now / 1000),
      window: 1,
      lastStep: purpose === 'enroll' ? 0 : op.totp_last_step,
    });
    if (!result.ok) {
      this.secondStepFailed(ticketKey, ticket, op, meta, result.reason === 'replay' ? 'replayed_code' : 'wrong_code');
      throw new TesseraError('invalid_code', 'That code is not right. Check the time on your phone and use the newest code.');
    }
    this.tickets.delete(ticketKey);
    const sessionId = ctx.store.tx(() => {
      const fields: Partial<OperatorRow> = { totp_last_step: result.step };
      if (purpose === 'enroll') {
        const sealed = ctx.keyring.seal(secret, operatorAad(op.id));
        Object.assign(fields, { totp_sealed: sealed.sealed, totp_key_version: sealed.keyVersion, status: 'active' });
        ctx.audit.append({ actor: operatorActor(op, meta.ip), action: 'operator.enroll', outcome: 'success', details: { operatorId: op.id } });
      }
      return this.openSession(op, meta, now, fields);
    });
    const fresh = ctx.store.operators.findById(op.id)!;
    return { sessionId, operator: toOperatorView(fresh), expiresAt: now + SESSION_IDLE_MS };
  }

  /**
   * Counts a failed sign-in step against the operator (or, for a name no
   * operator has, its phantom row) and audits it, in one transaction; the
   * count comes from the row as read inside it, never from an earlier read.
   */
  private recordLoginFailure(key: string, operatorId: string | null, meta: RequestMeta, why: string, extra: Record<string, unknown> = {}): void {
    const { ctx } = this;
    ctx.store.tx(() => {
      const op = operatorId ? this.countOperatorFailure(operatorId) : undefined;
      if (!op) this.countPhantomFailure(key);
      ctx.audit.append({
        actor: op ? operatorActor(op, meta.ip) : { kind: 'system', id: null, name: 'console-login', ip: meta.ip },
        action: 'operator.login', outcome: 'failure', reason: why,
        details: op ? { operatorId: op.id, ...extra } : null,
      });
    });
  }

  /** Inside a transaction: one more failure on the operator's current row. Returns the row as read, or undefined when it is gone. */
  private countOperatorFailure(operatorId: string): OperatorRow | undefined {
    const { ctx } = this;
    const op = ctx.store.operators.findById(operatorId);
    if (!op) return undefined;
    const next = recordFailure(throttleOf(op), ctx.clock(), OPERATOR_THROTTLE);
    ctx.store.operators.update(op.id, { failures: next.failures, last_failure_at: next.lastFailureAt, locked_until: next.lockedUntil });
    return op;
  }

  /** Inside a transaction: one more failure for a username no operator has, with the same policy; keeps the table bounded. */
  private countPhantomFailure(key: string): void {
    const { ctx } = this;
    const now = ctx.clock();
    const row = ctx.store.loginPhantoms.find(key);
    const next = recordFailure(row ? throttleOf(row) : { ...CLEAR_THROTTLE }, now, OPERATOR_THROTTLE);
    ctx.store.loginPhantoms.put({ username_key: key, failures: next.failures, last_failure_at: next.lastFailureAt, locked_until: next.lockedUntil });
    if (row || ++this.newPhantoms % PHANTOM_BOUND_EVERY !== 0) return;
    const excess = ctx.store.loginPhantoms.count() - LOGIN_PHANTOMS_KEPT;
    if (excess <= 0) return;
    const pruned = ctx.store.loginPhantoms.pruneExpired(now);
    if (excess > pruned) ctx.store.loginPhantoms.evictOldest(excess - pruned);
  }

  private phantomState(key: string): ThrottleState {
    const row = this.ctx.store.loginPhantoms.find(key);
    return row ? throttleOf(row) : { ...CLEAR_THROTTLE };
  }

  /** Throws 429 while the throttle holds `state` back (a lock answers the same, so a lock says nothing more). */
  private requireUnthrottled(state: ThrottleState, what: 'sign-ins' | 'attempts'): void {
    const gate = evaluateThrottle(state, this.ctx.clock(), OPERATOR_THROTTLE);
    if (gate.decision !== 'allow') {
      throw new TesseraError('throttled', `Too many failed ${what}. Try again in ${gate.retryAfterSeconds} seconds.`, { retryAfterSeconds: gate.retryAfterSeconds });
    }
  }

  /** The slow check, in the password lane (429 when it is full); a name without a hash costs the same work. */
  private checkPassword(password: string, hash: string | null): Promise<boolean> {
    return passwordLane.run(() => (hash ? verifyPassword(password, hash) : verifyPasswordAgainstNothing(password)));
  }

  /**
   * Spends one of the client address's password attempts; throws 429 when
   * it has none left (the first refusal of a run is audited, not every one).
   */
  private takeAddressAttempt(meta: RequestMeta): void {
    const { ctx } = this;
    const d = this.addresses.take(meta.ip, ctx.clock());
    if (d.allowed) return;
    if (d.firstRefusal) {
      ctx.store.tx(() => ctx.audit.append({
        actor: { kind: 'system', id: null, name: 'console-login', ip: meta.ip },
        action: 'operator.login', outcome: 'denied', reason: 'address_limited', details: { retryAfterSeconds: d.retryAfterSeconds },
      }));
    }
    throw new TesseraError('throttled', `Too many sign-in attempts from your address. Try again in ${seconds(d.retryAfterSeconds)}.`, { retryAfterSeconds: d.retryAfterSeconds });
  }

  /** Before the slow hash of a first admin's password: nobody is set up yet and the link is live. */
  private requireSetupOpen(token: string, now: number): void {
    const { ctx } = this;
    if (ctx.store.operators.count() > 0) throw setupDone();
    const row = ctx.store.setupTokens.find(hashToken(token));
    if (!row || row.used_at !== null || row.expires_at <= now) throw setupLinkInvalid();
  }
}

function tooManyAtOnce(): TesseraError {
  return new TesseraError('throttled', 'Too many sign-in attempts for this username at once. Try again in 1 second.', { retryAfterSeconds: 1 });
}

function setupDone(): TesseraError {
  return new TesseraError('conflict', 'Tessera is already set up; sign in instead');
}

function setupLinkInvalid(): TesseraError {
  return new TesseraError('unauthorized', 'This setup link is not valid or has expired; run "tessera init" for a new one');
}
