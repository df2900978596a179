import { TesseraError } from '../../shared/errors';
import { maskDestination } from '../../shared/mask';
import type { ChallengeInput, ChallengeResult } from '../../shared/schemas/challenge';
import type { DeliveryOutcome } from '../../shared/schemas/delivery';
import { isDeliveredType, type DeliveredType } from '../../shared/schemas/methods';
import { evaluateThrottle } from '../core/policy/throttle';
import type { FactorRow, UserRow } from '../store/index';
import type { Actor, ServiceContext } from './context';
import { issueDeliveredCode, voidDeliveredCode } from './deliveredCodes';
import { deliverCode, requireTransport } from './delivery/deliver';
import { activatesAtSignIn, isOn, moduleForFactor } from './methods/registry';
import { recordSend, requireSendAllowed } from './sendLimits';
import { requireUser } from './users';
import { throttleStateOf, iso } from './wireViews';

/**
 * The challenge step: a fresh code sent to one of the user's email or SMS
 * factors (or, for a pending one, its confirmation code again). The code is
 * made and counted in one transaction, sent outside it (a slow SMTP server
 * holds no lock), and the outcome is one audit entry. A send that fails
 * voids its code and answers 502: never a silent success.
 */

type DeliveredFactor = FactorRow & { type: DeliveredType; destination: string };

function isDelivered(f: FactorRow): f is DeliveredFactor {
  return isDeliveredType(f.type) && f.destination !== null;
}

/** What a send needs to know: whose, which factor, for what, and who asked. */
interface SendRequest {
  user: UserRow;
  factor: DeliveredFactor;
  purpose: 'challenge' | 'confirm';
  actor: Actor;
}

export async function challenge(ctx: ServiceContext, input: ChallengeInput, actor: Actor): Promise<ChallengeResult> {
  const picked = ctx.store.tx(() => pickFactor(ctx, input, actor));
  if ('message' in picked) return { sent: false, reason: NOT_NEEDED, message: picked.message };
  return sendCode(ctx, picked);
}

/** Why nothing was sent, on the wire (an answer's field, not an audit entry's). */
const NOT_NEEDED = 'not_needed';

/** The factor a challenge goes to, or why none is needed. Refuses a locked user: no code is sent that could not be used. */
function pickFactor(ctx: ServiceContext, input: ChallengeInput, actor: Actor): SendRequest | { message: string } {
  const user = requireUser(ctx, input.user);
  if (user.disabled_at !== null)
    throw new TesseraError('user_disabled', 'This user is disabled (they left the directory or are disabled there): no code is sent');
  const decision = evaluateThrottle(throttleStateOf(user), ctx.clock(), ctx.settings.throttle());
  if (decision.decision !== 'allow') {
    const code = decision.decision === 'locked' ? 'locked' : 'throttled';
    throw new TesseraError(code, `This user is ${decision.decision} after wrong codes; try again in ${decision.retryAfterSeconds} s`, {
      retryAfterSeconds: decision.retryAfterSeconds,
    });
  }
  if (input.factor !== undefined) {
    const factor = ctx.store.factors.find(user.id, input.factor);
    if (!factor) throw new TesseraError('not_found', 'This user has no factor with that id');
    if (!isDelivered(factor)) throw new TesseraError('bad_request', 'Codes are sent only to email and SMS factors; this factor makes its own codes');
    requireOn(ctx, factor);
    return { user, factor, purpose: factor.status === 'pending' ? 'confirm' : 'challenge', actor };
  }
  const active = ctx.store.factors.listActive(user.id); // most recently used first
  const delivered = active.filter(isDelivered);
  const usable = delivered.filter((f) => isOn(ctx, moduleForFactor(f.type)!));
  if (usable.length > 0) return { user, factor: usable[0]!, purpose: 'challenge', actor };
  const others = active.filter((f) => !isDelivered(f) && isOn(ctx, moduleForFactor(f.type)!));
  if (delivered.length > 0 && others.length === 0) requireOn(ctx, delivered[0]!);
  // A pending app or token (a printed sheet) is finished by its first sign-in code: ask for that code (issue 18).
  const pendingFirstCode = () => ctx.store.factors.listByUser(user.id).some((f) => activatesAtSignIn(ctx, f, ctx.clock()));
  if (others.length > 0 || ctx.store.recoveryCodes.counts(user.id).unused > 0 || pendingFirstCode()) {
    return { message: 'This user signs in with a code from their own device (or a security key): no code is sent; ask for it' };
  }
  throw new TesseraError('not_found', 'This user has no active factor to send a code to');
}

function requireOn(ctx: ServiceContext, factor: DeliveredFactor): void {
  const m = moduleForFactor(factor.type)!;
  if (!isOn(ctx, m)) throw new TesseraError('method_disabled', `${factor.type === 'email' ? 'Email' : 'SMS'} codes are turned off in this Tessera's settings`);
}

/**
 * Makes, sends and audits one code for `req.factor`; used by the challenge
 * and by a delivered factor's enrollment. Answers 502 (delivery_failed) when
 * the transport did not take it.
 */
export async function sendCode(ctx: ServiceContext, req: SendRequest): Promise<ChallengeResult & { sent: true }> {
  const { user, factor, purpose, actor } = req;
  const channel = factor.type;
  const apiKeyId = actor.kind === 'apikey' ? actor.id : null;
  const destination = maskDestination(channel, factor.destination);
  try {
    requireTransport(ctx, channel);
  } catch (err) {
    ctx.store.tx(() =>
      ctx.audit.append({
        actor,
        action: 'code.send',
        user: user.username,
        outcome: 'failure',
        reason: 'delivery_unconfigured',
        details: { channel, destination, factorId: factor.id, purpose },
      }),
    );
    throw err;
  }
  const now = ctx.clock();
  const issued = ctx.store.tx(() => {
    requireSendAllowed(ctx, user.id, apiKeyId, now);
    recordSend(ctx, user.id, apiKeyId, channel, now);
    // A confirmation code is for whoever confirms (an operator, another key); a sign-in code for the key that asked.
    return issueDeliveredCode(ctx, factor, purpose, purpose === 'challenge' ? apiKeyId : null, now);
  });
  let outcome: DeliveryOutcome;
  try {
    outcome = await deliverCode(ctx, channel, factor.destination, issued.code, purpose === 'confirm' ? 'confirm' : 'sign-in');
  } catch (err) {
    outcome = { ok: false, error: err instanceof TesseraError ? err.message : 'The transport failed unexpectedly' };
  }
  ctx.store.tx(() => {
    if (!outcome.ok) voidDeliveredCode(ctx, issued.transactionId);
    ctx.audit.append({
      actor,
      action: 'code.send',
      user: user.username,
      outcome: outcome.ok ? 'success' : 'failure',
      ...(outcome.ok ? {} : { reason: 'delivery_failed' }),
      details: {
        channel,
        destination,
        factorId: factor.id,
        purpose,
        transactionId: issued.transactionId,
        ...(outcome.ok ? { response: outcome.response } : { error: outcome.error }),
      },
    });
  });
  if (!outcome.ok) {
    throw new TesseraError('delivery_failed', `The code could not be sent by ${channel === 'email' ? 'email' : 'SMS'}: ${outcome.error}`);
  }
  return { sent: true, transactionId: issued.transactionId, factorId: factor.id, channel, destination, expiresAt: iso(issued.expiresAt)! };
}
