import { randomInt, randomUUID } from 'node:crypto';
import { codeMatches, codeMac } from '../core/crypto/codeMac';
import type { DeliveredCodeRow, FactorRow } from '../store/index';
import type { ServiceContext } from './context';

/**
 * The codes Tessera sends to email and SMS factors: made from a CSPRNG,
 * kept only as a MAC bound to their transaction, one live code per factor
 * (a new one voids the old), used up once. A sign-in code ('challenge') and
 * a factor's confirmation code ('confirm') never stand in for each other.
 */

/** What a presented code is checked against besides its digits. */
export interface CodeAttempt {
  /** The challenge's transactionId, when the client sent one: only that transaction's code is then tried. */
  transactionId?: string | undefined;
  /** The API key verifying; a code asked for by one key is refused to another. Null: an operator. */
  apiKeyId: string | null;
}

/** `digits` random decimal digits (randomInt draws without modulo bias). */
export function randomDigits(digits: number): string {
  let out = '';
  for (let i = 0; i < digits; i++) out += String(randomInt(10));
  return out;
}

/** Makes a fresh code for `factor` and stores its MAC (voiding any live one). Inside the caller's transaction. */
export function issueDeliveredCode(
  ctx: ServiceContext,
  factor: FactorRow,
  purpose: DeliveredCodeRow['purpose'],
  apiKeyId: string | null,
  now: number,
): { transactionId: string; code: string; expiresAt: number } {
  const settings = ctx.settings.get();
  const transactionId = randomUUID();
  const code = randomDigits(settings.deliveredCodeDigits);
  const expiresAt = now + settings.deliveredCodeMinutes * 60_000;
  ctx.store.deliveredCodes.replace({
    id: transactionId,
    user_id: factor.user_id,
    factor_id: factor.id,
    purpose,
    code_mac: codeMac(ctx.keyring.codeMacKey('delivered'), transactionId, code),
    api_key_id: apiKeyId,
    created_at: now,
    expires_at: expiresAt,
  });
  return { transactionId, code, expiresAt };
}

/**
 * Checks `digits` against the factor's live code of `purpose` and, when it
 * matches, uses it up (the conditional DELETE decides between two racing
 * requests). Inside the caller's transaction.
 */
export function useDeliveredCode(
  ctx: ServiceContext,
  factor: FactorRow,
  purpose: DeliveredCodeRow['purpose'],
  digits: string,
  attempt: CodeAttempt,
  now: number,
): boolean {
  const row = ctx.store.deliveredCodes.forFactor(factor.id);
  if (!row || row.purpose !== purpose || row.expires_at <= now) return false;
  if (attempt.transactionId !== undefined && attempt.transactionId !== row.id) return false;
  if (row.api_key_id !== null && row.api_key_id !== attempt.apiKeyId) return false;
  if (!codeMatches(ctx.keyring.codeMacKey('delivered'), row.id, digits, row.code_mac)) return false;
  return ctx.store.deliveredCodes.consume(row.id);
}

/** Drops a code whose message could not be sent: nobody can hold it. */
export function voidDeliveredCode(ctx: ServiceContext, transactionId: string): void {
  ctx.store.deliveredCodes.consume(transactionId);
}

/** Removes codes past their life (the sweep): an expired code is refused anyway, this keeps the table small. */
export function sweepExpiredDeliveredCodes(ctx: ServiceContext): number {
  return ctx.store.tx(() => ctx.store.deliveredCodes.deleteExpired(ctx.clock()));
}
