import { randomUUID } from 'node:crypto';
import { DEFAULT_SETTINGS } from '../../../shared/schemas/settings';
import { authenticatorModel } from '../../../shared/webauthn/authenticatorModels';
import type { UserRow } from '../../store/index';
import type { ServiceContext } from '../context';
import { defaultKeyLabel, insertCredential, type VerifiedRegistration } from '../webauthn/ceremony';
import type { FactorExtras, MethodModule } from './method';

/**
 * WebAuthn security keys and passkeys of applications' users. The
 * ceremonies (challenges, attestation, assertion, the signature counter)
 * live in services/webauthn/; here is what the method stores and shows.
 * Its factor is active from registration on, and it is never checked by a
 * typed code (webauthn/applications.ts runs its sign-in ceremony).
 */

/** Stores a verified registration as an active factor with its credential. Inside the caller's transaction; returns the factor id. */
function enroll(ctx: ServiceContext, user: UserRow, rpId: string, verified: VerifiedRegistration, label: string | undefined, now: number): string {
  const factorId = randomUUID();
  ctx.store.factors.insertActive({ id: factorId, user_id: user.id, type: 'webauthn', label: label ?? defaultKeyLabel(verified.aaguid), created_at: now });
  // A user's key is named by its factor's label.
  insertCredential(ctx, factorId, { factorId }, rpId, verified, null, now);
  return factorId;
}

const isoOrNull = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

export const webauthn = {
  method: 'webauthn',
  factorType: 'webauthn',
  settings: { toggle: 'webauthn', enabledByDefault: DEFAULT_SETTINGS.methods.webauthn },
  enroll,
  confirm: null,
  verify: null,
  /** The credential's public details (there is nothing secret: a public key and its id). */
  describe(_factor, extras) {
    const credential = extras?.credential;
    if (!credential) return {};
    return {
      webauthn: {
        aaguid: credential.aaguid,
        model: authenticatorModel(credential.aaguid),
        rpId: credential.rp_id,
        backedUp: credential.backed_up === 1,
        deviceType: credential.device_type,
        transports: JSON.parse(credential.transports) as string[],
        flaggedAt: isoOrNull(credential.flagged_at),
        flagReason: credential.flag_reason,
      },
    };
  },
  extras: {
    one: (ctx, factor) => {
      const credential = ctx.store.webauthn.find(factor.id);
      return credential ? { credential } : undefined;
    },
    forUser: (ctx, userId) =>
      new Map(ctx.store.webauthn.forUser(userId).flatMap((c): [string, FactorExtras][] => (c.factor_id === null ? [] : [[c.factor_id, { credential: c }]]))),
  },
} as const satisfies MethodModule;
