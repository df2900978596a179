import { randomUUID } from 'node:crypto';
import { TesseraError } from '../../../shared/errors';
import { maskDestination } from '../../../shared/mask';
import type { DeliveredType } from '../../../shared/schemas/methods';
import type { EnrollDeliveredInput, FactorView } from '../../../shared/schemas/factors';
import type { FactorRow, UserRow } from '../../store/index';
import type { ServiceContext } from '../context';
import { useDeliveredCode } from '../deliveredCodes';
import type { ConfirmWithCode, FactorCodeCheck } from './method';

/**
 * What email and SMS factors share: a destination on the factor row, no
 * secret of their own, codes Tessera makes and sends (services/
 * deliveredCodes.ts) instead of codes a device computes. A factor is pending
 * until the code sent to its destination comes back.
 */

/** The destination an enrollment names, checked and normalised: an address, or an E.164 number. */
export type DestinationCheck = (raw: string) => { ok: true; value: string } | { ok: false; message: string };

/** What a delivered method's module is made of, beside its name. */
export function deliveredParts(type: DeliveredType, check: DestinationCheck, userDestination: (u: UserRow) => string | null, missing: string) {
  /** Inserts a pending factor for `user` with its destination (given, or the user's own). Inside the caller's transaction; no audit entry. */
  function enroll(ctx: ServiceContext, user: UserRow, input: EnrollDeliveredInput, now: number): FactorRow {
    const raw = input.destination ?? userDestination(user);
    if (raw === null) throw new TesseraError('bad_request', missing, { fields: [{ path: 'destination', message: missing }] });
    const checked = check(raw);
    if (!checked.ok) throw new TesseraError('bad_request', checked.message, { fields: [{ path: 'destination', message: checked.message }] });
    const id = randomUUID();
    ctx.store.factors.insertPending({
      id,
      user_id: user.id,
      type,
      label: input.label ?? null,
      algorithm: null,
      digits: null,
      period: null,
      secret_sealed: null,
      key_version: null,
      created_at: now,
      expires_at: now + ctx.settings.get().pendingExpiryHours * 3_600_000,
      destination: checked.value,
    });
    return ctx.store.factors.find(user.id, id)!;
  }

  const confirm: ConfirmWithCode = (ctx, factor, digits, now) =>
    useDeliveredCode(ctx, factor, 'confirm', digits, { apiKeyId: null }, now) ? { last_step: 0, counter: 0 } : null;

  const verify: FactorCodeCheck = {
    kind: 'factor',
    // A sent code is checked only by using it up, and its confirmation code is for confirming, never for signing in.
    peek: null,
    firstCodeActivates: false,
    match(ctx, factor, digits, now, attempt) {
      if (!useDeliveredCode(ctx, factor, 'challenge', digits, attempt, now)) return 'no';
      ctx.store.factors.markUsed(factor.id, now);
      return 'accepted';
    },
  };

  /** Where its codes go, masked: the full address or number is never shown. */
  function describe(f: FactorRow): Partial<FactorView> {
    return f.destination === null ? {} : { destination: maskDestination(type, f.destination) };
  }

  return { enroll, confirm, verify, describe };
}
