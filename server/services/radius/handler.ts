import { randomBytes } from 'node:crypto';
import { TesseraError } from '../../../shared/errors';
import { Username, usernameKey } from '../../../shared/schemas/text';
import { VERIFY_REFUSAL_TEXT, type VerifyResult } from '../../../shared/schemas/verify';
import { evaluateThrottle } from '../../core/policy/throttle';
import { challenge } from '../challenge';
import type { Actor, ServiceContext } from '../context';
import { checkDirectoryPassword, type PasswordCheck } from '../directory/index';
import { verify } from '../verify';
import { throttleStateOf } from '../wireViews';
import { resolveRadiusClient, type ResolvedRadiusClient } from './clients';
import { splitPasswordAndCode } from './split';
import {
  ATTR,
  CODE,
  MalformedPacket,
  attribute,
  decryptUserPassword,
  encodeReply,
  messageAuthenticatorValid,
  parsePacket,
  type RadiusAttribute,
  type RadiusRequest,
} from './packet';

/**
 * One Access-Request in, one reply (or nothing) out. What is dropped without
 * a word (RFC 2865 §3: a NAS retries, an attacker learns nothing) is counted:
 * unknown sources, malformed packets, a missing or wrong Message-Authenticator.
 * Codes go through the same verify as REST (throttle, replay, one audit entry
 * with the client as the actor's name); a refusal before any check (an
 * unknown user, no User-Password) is one radius.request entry.
 *
 * password_code mode: the directory password first (checkDirectoryPassword:
 * its own throttle and its own directory.password entry), then the code. A
 * wrong password stops there: the code is not checked, so not used up and
 * not counted against the user's code throttle. The code is either appended
 * to the password (split.ts says how) or, when the field is the password
 * alone, asked for by Access-Challenge (email/SMS codes sent then).
 *
 * Challenge states are kept in memory, not in a table: they live 60 s, are
 * used once, and a restart losing them only makes the user type the code
 * again; a table would add two writes to every challenge sign-in.
 */

export interface RadiusCounters {
  received: number;
  accepted: number;
  rejected: number;
  challenged: number;
  /** Retransmissions answered from the cache, without checking again. */
  duplicates: number;
  droppedUnknownSource: number;
  droppedMalformed: number;
  droppedMissingAuthenticator: number;
  droppedBadAuthenticator: number;
  /** Anything but an Access-Request (Accounting goes to another port). */
  droppedUnsupported: number;
  /** A bug or the environment (a full disk): dropped, the NAS retries. */
  errors: number;
}

export interface RadiusHandlerOptions {
  /** How long a challenge's State may be answered (default 60 s). */
  stateTtlMs?: number;
  /** How long a reply is kept for a retransmission of its request (default 5 s). */
  duplicateTtlMs?: number;
}

interface ChallengeState {
  clientId: string;
  userKey: string;
  transactionId: string | undefined;
  /** Given after a right directory password (password_code mode): only such a State stands in for the password. */
  passwordChecked: boolean;
  expiresAt: number;
}

type Reply = (code: number, attrs?: RadiusAttribute[]) => Buffer;
type Reject = (message: string) => Buffer;

/** Past this many open states or cached replies, the oldest go first (memory stays bounded under a flood). */
const MAX_ENTRIES = 10_000;

const TEXT = {
  enterCode: 'Enter your one-time code',
  pap: 'Only PAP (User-Password) is supported',
  stateInvalid: 'This sign-in step expired or was already used; start again',
  refused: 'Sign-in refused',
  wrongCode: 'Wrong code',
  noFactor: 'No sign-in method is set up for this user',
  noDirectory: 'The password cannot be checked: no directory is set up',
  directoryDown: 'The directory could not be reached to check the password; try again later',
  wrongPassword: 'Wrong password',
  notFromDirectory: 'This user has no directory password (not from the directory)',
  disabled: 'This user is disabled',
} as const;

export class RadiusHandler {
  readonly counters: RadiusCounters = {
    received: 0,
    accepted: 0,
    rejected: 0,
    challenged: 0,
    duplicates: 0,
    droppedUnknownSource: 0,
    droppedMalformed: 0,
    droppedMissingAuthenticator: 0,
    droppedBadAuthenticator: 0,
    droppedUnsupported: 0,
    errors: 0,
  };
  /** Client id → when it last sent a request that passed the checks (the console's "last request"). */
  readonly lastRequestAt = new Map<string, number>();
  private readonly states = new Map<string, ChallengeState>();
  private readonly recent = new Map<string, { expiresAt: number; reply: Promise<Buffer | null> }>();
  private readonly stateTtlMs: number;
  private readonly duplicateTtlMs: number;

  constructor(
    private readonly ctx: ServiceContext,
    opts: RadiusHandlerOptions = {},
  ) {
    this.stateTtlMs = opts.stateTtlMs ?? 60_000;
    this.duplicateTtlMs = opts.duplicateTtlMs ?? 5_000;
  }

  /** The reply to send back to `address`:`port`, or null to drop the packet. Never throws. */
  async handle(raw: Buffer, address: string, port: number): Promise<Buffer | null> {
    this.counters.received++;
    try {
      const client = resolveRadiusClient(this.ctx, address);
      if (!client) return this.drop('droppedUnknownSource');
      let req: RadiusRequest;
      try {
        req = parsePacket(raw);
      } catch (err) {
        if (err instanceof MalformedPacket) return this.drop('droppedMalformed');
        throw err;
      }
      if (req.code !== CODE.accessRequest) return this.drop('droppedUnsupported');
      if (req.messageAuthenticatorAt !== null) {
        if (!messageAuthenticatorValid(req, client.secret)) return this.drop('droppedBadAuthenticator');
      } else if (client.requireMessageAuthenticator) return this.drop('droppedMissingAuthenticator');

      const now = this.ctx.clock();
      this.lastRequestAt.set(client.id, now);
      this.sweep(now);
      const key = `${client.id}|${address}|${port}|${req.identifier}|${req.authenticator.toString('hex')}`;
      const cached = this.recent.get(key);
      if (cached) {
        this.counters.duplicates++;
        return await cached.reply;
      }
      const reply = this.answer(client, req, address).catch((err: unknown) => {
        this.counters.errors++;
        this.recent.delete(key);
        void err;
        return null;
      });
      this.recent.set(key, { expiresAt: now + this.duplicateTtlMs, reply });
      trim(this.recent);
      return await reply;
    } catch {
      this.counters.errors++;
      return null;
    }
  }

  private drop(counter: keyof RadiusCounters): null {
    this.counters[counter]++;
    return null;
  }

  /** Both maps are in insertion order with one TTL each, so the expired ones are at the front: stop at the first live one. */
  private sweep(now: number): void {
    for (const map of [this.recent, this.states] as Map<string, { expiresAt: number }>[]) {
      for (const [k, v] of map) {
        if (v.expiresAt > now) break;
        map.delete(k);
      }
    }
  }

  private async answer(client: ResolvedRadiusClient, req: RadiusRequest, address: string): Promise<Buffer | null> {
    const reply: Reply = (code, attrs = []) => {
      if (code === CODE.accessAccept) this.counters.accepted++;
      else if (code === CODE.accessReject) this.counters.rejected++;
      else this.counters.challenged++;
      return encodeReply(req, code, attrs, client.secret);
    };
    const reject: Reject = (message) => reply(CODE.accessReject, [replyMessage(message)]);
    const name = attribute(req, ATTR.userName);
    if (!name) return this.drop('droppedMalformed');
    const actor: Actor = { kind: 'system', id: client.id, name: `radius:${client.name}`, ip: address };
    const parsedName = Username.safeParse(name.toString('utf8'));
    if (!parsedName.success) {
      this.refused(actor, null, 'bad_username');
      return reject(TEXT.refused);
    }
    const user = parsedName.data;
    const hidden = attribute(req, ATTR.userPassword);
    if (!hidden) {
      this.refused(actor, user, 'not_pap');
      return reject(TEXT.pap);
    }
    const password = decryptUserPassword(hidden, client.secret, req.authenticator);
    if (password === null) return this.drop('droppedMalformed');

    const state = attribute(req, ATTR.state);
    if (state) {
      const open = this.takeState(state, client, user);
      if (!open) {
        this.audit(actor, user, 'failure', 'state_invalid');
        return reject(TEXT.stateInvalid);
      }
      return this.verifyCode(user, password, open.transactionId, actor, reply, reject);
    }
    if (client.mode === 'challenge') return this.startChallenge(client, user, actor, reply, reject, false);
    if (client.mode === 'password_code') return this.passwordThenCode(client, user, password, actor, reply, reject);
    return this.verifyCode(user, password, undefined, actor, reply, reject);
  }

  private async verifyCode(user: string, code: string, transactionId: string | undefined, actor: Actor, reply: Reply, reject: Reject): Promise<Buffer> {
    if (code === '') {
      this.refused(actor, user, 'no_code');
      return reject(TEXT.wrongCode);
    }
    let result: VerifyResult;
    try {
      result = await verify(this.ctx, { user, code: code.slice(0, 64), ...(transactionId ? { transactionId } : {}) }, actor);
    } catch (err) {
      // Unknown user (no verify entry, as over REST: one radius.request entry without the name), a disabled one, …: refused in words.
      if (err instanceof TesseraError) {
        if (err.code === 'not_found') {
          this.refused(actor, null, 'unknown_user');
          return reject(TEXT.refused);
        }
        return reject(err.message);
      }
      throw err;
    }
    if (result.ok) return reply(CODE.accessAccept);
    return reject(refusalText(result.reason, result.retryAfterSeconds));
  }

  /** password_code mode without a State: the directory password (with the code appended, or alone and the code asked for next). */
  private async passwordThenCode(client: ResolvedRadiusClient, username: string, field: string, actor: Actor, reply: Reply, reject: Reject): Promise<Buffer> {
    const user = this.ctx.store.users.findByKey(usernameKey(username));
    if (!user) {
      this.refused(actor, null, 'unknown_user');
      return reject(TEXT.refused);
    }
    const lengths = this.ctx.store.factors
      .listActive(user.id)
      .filter((f) => (f.type === 'totp' || f.type === 'hotp') && f.digits !== null)
      .map((f) => f.digits!);
    const split = splitPasswordAndCode(field, lengths);
    let check: PasswordCheck;
    try {
      check = await checkDirectoryPassword(this.ctx, user.username, split ? split.password : field, actor);
    } catch (err) {
      if (!(err instanceof TesseraError)) throw err;
      if (err.code === 'directory_unconfigured') {
        this.refused(actor, user.username, 'directory_unconfigured');
        return reject(TEXT.noDirectory);
      }
      if (err.code === 'not_found') {
        this.refused(actor, null, 'unknown_user');
        return reject(TEXT.refused);
      }
      throw err;
    }
    // checkDirectoryPassword wrote this request's directory.password entry (naming the client as the actor).
    if (!check.ok) return reject(passwordRefusalText(check));
    if (split) return this.verifyCode(user.username, split.code, undefined, actor, reply, reject);
    return this.startChallenge(client, user.username, actor, reply, reject, true);
  }

  /** Challenge mode's first request: a code sent (email/SMS) or asked for, and a single-use State. */
  private async startChallenge(
    client: ResolvedRadiusClient,
    username: string,
    actor: Actor,
    reply: Reply,
    reject: Reject,
    /** True after a right directory password: its entry is this request's, none more unless a code is sent. */
    passwordChecked: boolean,
  ): Promise<Buffer> {
    const user = this.ctx.store.users.findByKey(usernameKey(username));
    if (!user) {
      this.refused(actor, null, 'unknown_user');
      return reject(TEXT.refused);
    }
    const decision = evaluateThrottle(throttleStateOf(user), this.ctx.clock(), this.ctx.settings.throttle());
    if (decision.decision !== 'allow') {
      this.audit(actor, user.username, 'denied', decision.decision, { retryAfterSeconds: decision.retryAfterSeconds });
      return reject(refusalText(decision.decision, decision.retryAfterSeconds));
    }
    let prompt: string = TEXT.enterCode;
    let transactionId: string | undefined;
    try {
      const sent = await challenge(this.ctx, { user: user.username }, actor);
      if (sent.sent) {
        // challenge() wrote the code.send entry: this request's one entry.
        transactionId = sent.transactionId;
        prompt = `Enter the code sent to ${sent.destination}`;
      } else if (!passwordChecked) this.audit(actor, user.username, 'success', null);
    } catch (err) {
      if (!(err instanceof TesseraError)) throw err;
      // A failed send is audited by challenge() itself; anything else (no factor, send limits) here.
      if (err.code !== 'delivery_failed' && err.code !== 'delivery_unconfigured') {
        this.audit(actor, user.username, 'failure', err.code === 'not_found' ? 'no_factor' : err.code);
      }
      return reject(err.code === 'not_found' ? TEXT.noFactor : err.message);
    }
    const value = randomBytes(16);
    this.states.set(value.toString('hex'), {
      clientId: client.id,
      userKey: usernameKey(user.username),
      transactionId,
      passwordChecked,
      expiresAt: this.ctx.clock() + this.stateTtlMs,
    });
    trim(this.states);
    return reply(CODE.accessChallenge, [{ type: ATTR.state, value }, replyMessage(prompt)]);
  }

  /** The open state, removed (single use), if it is this client's and this user's and not expired. */
  private takeState(value: Buffer, client: ResolvedRadiusClient, user: string): ChallengeState | null {
    const key = value.toString('hex');
    const open = this.states.get(key);
    if (!open) return null;
    this.states.delete(key);
    if (open.clientId !== client.id || open.userKey !== usernameKey(user) || open.expiresAt <= this.ctx.clock()) return null;
    // A State from before the client was switched to password_code did not come after a password check.
    if (client.mode === 'password_code' && !open.passwordChecked) return null;
    return open;
  }

  /** A request refused before any check: its one entry. Without the name when no user has it (it may be a password typed in the wrong field). */
  private refused(actor: Actor, name: string | null, reason: string): void {
    const user = name === null ? undefined : this.ctx.store.users.findByKey(usernameKey(name))?.username;
    this.ctx.store.tx(() => this.ctx.audit.append({ actor, action: 'radius.request', ...(user ? { user } : {}), outcome: 'failure', reason, details: {} }));
  }

  private audit(actor: Actor, user: string, outcome: 'success' | 'failure' | 'denied', reason: string | null, details: Record<string, unknown> = {}): void {
    this.ctx.store.tx(() =>
      this.ctx.audit.append({
        actor,
        action: 'radius.challenge',
        user,
        outcome,
        ...(reason ? { reason } : {}),
        details,
      }),
    );
  }
}

function replyMessage(text: string): RadiusAttribute {
  return { type: ATTR.replyMessage, value: Buffer.from(text, 'utf8') };
}

function refusalText(reason: string, retryAfterSeconds: number | undefined): string {
  if (reason === 'locked' || reason === 'throttled') {
    return `Too many wrong codes: ${reason === 'locked' ? 'locked' : 'wait'}; try again in ${retryAfterSeconds ?? 1} s`;
  }
  if (reason === 'no_factor') return TEXT.noFactor;
  if (reason === 'user_disabled') return TEXT.disabled;
  // Neither is the user's typing: a VPN client shows these words, so they must not read as a wrong code.
  if (reason === 'method_disabled' || reason === 'code_already_used') return VERIFY_REFUSAL_TEXT[reason];
  return TEXT.wrongCode;
}

function passwordRefusalText(check: Extract<PasswordCheck, { ok: false }>): string {
  switch (check.reason) {
    case 'wrong_password':
      return TEXT.wrongPassword;
    case 'throttled':
    case 'locked':
      return `Too many wrong passwords: ${check.reason === 'locked' ? 'locked' : 'wait'}; try again in ${check.retryAfterSeconds ?? 1} s`;
    case 'user_disabled':
      return TEXT.disabled;
    case 'not_from_directory':
      return TEXT.notFromDirectory;
    case 'directory_unavailable':
      return TEXT.directoryDown;
  }
}

function trim<V>(map: Map<string, V>): void {
  while (map.size > MAX_ENTRIES) map.delete(map.keys().next().value!);
}
