import { DEFAULT_SETTINGS } from '../../../shared/schemas/settings';
import {
  generateRecoveryCodeSet,
  hashRecoveryCodeSecret,
  parseRecoveryCode,
  verifyRecoveryCodeSecret,
  type RecoveryCode,
} from '../../core/recovery/recoveryCodes';
import type { ScryptDerive } from '../../core/crypto/scryptHash';
import type { UserRow } from '../../store/index';
import type { ServiceContext } from '../context';
import { recoveryLane } from '../hashLanes';
import type { CodeMatch, MethodModule, SetCodeCandidate } from './method';

/**
 * Recovery codes: a set of ten single-use codes per user, each stored as
 * one row with a salted slow hash, used up with `UPDATE … WHERE used_at IS
 * NULL`. No factor row: a user holds a set or none.
 */

/** A new set, hashed and ready to swap in. The codes are shown once, from here. */
export interface PreparedRecoverySet {
  codes: RecoveryCode[];
  hashes: string[];
}

/** Generates a set and hashes it off the event loop, in the recovery lane (all ten queued or none). */
async function prepare(): Promise<PreparedRecoverySet> {
  const codes = generateRecoveryCodeSet();
  recoveryLane.requireRoom(codes.length);
  const hashes = await Promise.all(codes.map((c) => recoveryLane.run((derive) => hashRecoveryCodeSecret(c.secret, undefined, derive))));
  return { codes, hashes };
}

/** Replaces the user's set with a prepared one. Inside the caller's transaction; says how many old codes went. */
function install(ctx: ServiceContext, user: UserRow, set: PreparedRecoverySet, now: number): { issued: number; voided: number } {
  const voided = ctx.store.recoveryCodes.deleteAllForUser(user.id);
  set.codes.forEach((c, i) => ctx.store.recoveryCodes.insert({ user_id: user.id, lookup_id: c.lookupId, hash: set.hashes[i]!, created_at: now }));
  return { issued: set.codes.length, voided };
}

let dummyHash: Promise<string> | null = null;
/** A hash no code matches, for a guess whose lookup id names nothing: the same cost either way. */
function dummy(derive: ScryptDerive): Promise<string> {
  dummyHash ??= hashRecoveryCodeSecret('not-a-real-recovery-code', undefined, derive);
  return dummyHash;
}

export const recovery = {
  method: 'recovery',
  factorType: null,
  settings: { toggle: 'recovery', enabledByDefault: DEFAULT_SETTINGS.methods.recovery },
  enroll: { prepare, install },
  confirm: null,
  verify: {
    kind: 'set',
    held: (ctx, userId) => ctx.store.recoveryCodes.counts(userId).unused > 0,
    find(ctx, userId, normalized, lookUp) {
      const parsed = parseRecoveryCode(normalized);
      return { parsed, row: parsed && lookUp ? ctx.store.recoveryCodes.findByLookup(userId, parsed.lookupId) : undefined };
    },
    // In the recovery lane, ahead of issuing new sets: a login flood in the password lane cannot delay it.
    check: (candidate: SetCodeCandidate): Promise<CodeMatch> =>
      recoveryLane.run(async (derive) => {
        const { parsed, row } = candidate;
        if (parsed && row) {
          if (!(await verifyRecoveryCodeSecret(parsed.secret, row.hash, derive))) return 'no';
          // A used code typed again is said as such: the one hash is spent either way.
          return row.used_at === null ? 'accepted' : 'replay';
        }
        await verifyRecoveryCodeSecret(parsed?.secret ?? 'x', await dummy(derive), derive);
        return 'no';
      }, 'high'),
    consume(ctx, { row }, userId, now) {
      if (!row || !ctx.store.recoveryCodes.markUsed(row.id, now)) return null;
      const left = ctx.store.recoveryCodes.counts(userId).unused;
      return {
        factor: { id: `recovery:${row.lookup_id}`, type: 'recovery' },
        details: { type: 'recovery', recoveryCodeId: row.id, recoveryCodesLeft: left },
        left,
      };
    },
  },
  // Not a factor row: the user's view counts the set (total, unused) instead.
  describe: () => ({}),
  extras: null,
} as const satisfies MethodModule;
