import { randomUUID } from 'node:crypto';
import { TesseraError } from '../../shared/errors';
import type { IssuedTemporaryCode, IssueTemporaryCodeInput, TemporaryCodeView } from '../../shared/schemas/temporaryCodes';
import { IssueTemporaryCodeInput as IssueInput } from '../../shared/schemas/temporaryCodes';
import { codeMac, codeMatches } from '../core/crypto/codeMac';
import { TEMPORARY_CODE_DIGITS } from '../core/otp/codeInput';
import type { TemporaryCodeRow, UserRow } from '../store/index';
import type { Actor, ServiceContext } from './context';
import { randomDigits } from './deliveredCodes';
import { requireUser } from './users';
import { iso } from './wireViews';

/**
 * The helpdesk's temporary code for a user who lost their device (the
 * lost-device flow): 12 digits to read out or print, shown once, kept only
 * as a MAC, with a life and a number of uses. At most one per user (a new
 * one replaces the old); revoked by hand, and the moment the user confirms
 * a new factor. Verify takes it like any other code (type "temporary").
 */

/** "482109375521" → "4821 0937 5521": groups of four are easier to read out. */
export function formatTemporaryCode(digits: string): string {
  return digits.replace(/(\d{4})(?=\d)/g, '$1 ');
}

export function issueTemporaryCode(ctx: ServiceContext, username: string, raw: IssueTemporaryCodeInput, actor: Actor): IssuedTemporaryCode {
  const input = IssueInput.parse(raw);
  const max = ctx.settings.get().temporaryCodeMaxHours;
  if (input.hours > max) {
    const message = `A temporary code may live at most ${max} hours (Settings → Methods)`;
    throw new TesseraError('bad_request', message, { fields: [{ path: 'hours', message }] });
  }
  const now = ctx.clock();
  return ctx.store.tx(() => {
    const user = requireUser(ctx, username);
    const id = randomUUID();
    const code = randomDigits(TEMPORARY_CODE_DIGITS);
    const expiresAt = now + input.hours * 3_600_000;
    const replaced = ctx.store.temporaryCodes.forUser(user.id) !== undefined;
    ctx.store.temporaryCodes.replace({
      id,
      user_id: user.id,
      code_mac: codeMac(ctx.keyring.codeMacKey('temporary'), id, code),
      reason: input.reason,
      issued_by: actor.name,
      created_at: now,
      expires_at: expiresAt,
      max_uses: input.uses,
    });
    ctx.audit.append({
      actor,
      action: 'temporary.issue',
      user: user.username,
      outcome: 'success',
      reason: input.reason,
      details: { id, expiresAt: iso(expiresAt), uses: input.uses, ...(replaced ? { replacedEarlier: true } : {}) },
    });
    return { code: formatTemporaryCode(code), expiresAt: iso(expiresAt)!, uses: input.uses };
  });
}

/** Revokes the user's temporary code by hand. */
export function revokeTemporaryCode(ctx: ServiceContext, username: string, reason: string, actor: Actor): void {
  ctx.store.tx(() => {
    const user = requireUser(ctx, username);
    const row = ctx.store.temporaryCodes.forUser(user.id);
    if (!row) throw new TesseraError('not_found', 'This user has no temporary code');
    ctx.store.temporaryCodes.revoke(user.id);
    ctx.audit.append({ actor, action: 'temporary.revoke', user: user.username, outcome: 'success', reason, details: { id: row.id } });
  });
}

/** Revokes the user's temporary code because they now have a factor of their own again. Inside the caller's transaction. */
export function revokeTemporaryOnNewFactor(ctx: ServiceContext, user: UserRow, factorId: string, actor: Actor): void {
  const row = ctx.store.temporaryCodes.forUser(user.id);
  if (!row) return;
  ctx.store.temporaryCodes.revoke(user.id);
  ctx.audit.append({
    actor,
    action: 'temporary.revoke',
    user: user.username,
    outcome: 'success',
    reason: 'the user confirmed a new factor',
    details: { id: row.id, factorId },
  });
}

/** The user's live temporary code, as the user page shows it (never the code); null when none is live. */
export function temporaryCodeView(ctx: ServiceContext, userId: string): TemporaryCodeView | null {
  const row = ctx.store.temporaryCodes.forUser(userId);
  if (!row || !isLive(row, ctx.clock())) return null;
  return {
    issuedAt: iso(row.created_at)!,
    issuedBy: row.issued_by,
    reason: row.reason,
    expiresAt: iso(row.expires_at)!,
    usesLeft: row.uses_left,
    maxUses: row.max_uses,
    lastUsedAt: iso(row.last_used_at),
  };
}

function isLive(row: TemporaryCodeRow, now: number): boolean {
  return row.expires_at > now && row.uses_left > 0;
}

/**
 * Checks a typed 12-digit code against the user's temporary code and takes
 * one use (the conditional UPDATE decides between racing requests). Inside
 * the caller's transaction: the uses left, or null when it does not match.
 */
export function useTemporaryCode(ctx: ServiceContext, userId: string, digits: string, now: number): { id: string; usesLeft: number } | null {
  const row = ctx.store.temporaryCodes.forUser(userId);
  if (!row || !isLive(row, now)) return null;
  if (!codeMatches(ctx.keyring.codeMacKey('temporary'), row.id, digits, row.code_mac)) return null;
  if (!ctx.store.temporaryCodes.use(row.id, now)) return null;
  const usesLeft = row.uses_left - 1;
  // A used-up code leaves no row behind.
  if (usesLeft === 0) ctx.store.temporaryCodes.revoke(userId);
  return { id: row.id, usesLeft };
}

/** Whether the user holds a live temporary code (a user who does is not "no factor"). */
export function holdsTemporaryCode(ctx: ServiceContext, userId: string, now: number): boolean {
  const row = ctx.store.temporaryCodes.forUser(userId);
  return row !== undefined && isLive(row, now);
}

/** Removes expired and used-up temporary codes (the sweep), an audit entry for each that expired unused. */
export function sweepSpentTemporaryCodes(ctx: ServiceContext, actor: Actor): number {
  const now = ctx.clock();
  return ctx.store.tx(() => {
    const gone = ctx.store.temporaryCodes.deleteSpent(now);
    for (const g of gone) {
      const user = ctx.store.users.findById(g.user_id);
      ctx.audit.append({
        actor,
        action: 'temporary.revoke',
        ...(user ? { user: user.username } : {}),
        outcome: 'success',
        reason: 'expired',
        details: { id: g.id },
      });
    }
    return gone.length;
  });
}
