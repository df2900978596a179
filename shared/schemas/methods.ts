import { z } from 'zod';

/** Second-factor methods Tessera knows. Each can be turned off globally. */
export const METHODS = ['totp', 'hotp', 'recovery', 'webauthn', 'email', 'sms'] as const;
export const Method = z.enum(METHODS);
export type Method = z.infer<typeof Method>;

/** Factor types stored per user (recovery codes are a set, not a factor row). */
export const FACTOR_TYPES = ['totp', 'hotp', 'webauthn', 'email', 'sms'] as const;
export const FactorType = z.enum(FACTOR_TYPES);
export type FactorType = z.infer<typeof FactorType>;

export const METHOD_LABELS: Record<Method, string> = {
  totp: 'Authenticator app (TOTP)',
  hotp: 'Counter-based token (HOTP)',
  recovery: 'Recovery codes',
  webauthn: 'Security key or passkey',
  email: 'Email code',
  sms: 'Text message (SMS) code',
};

/**
 * The methods this release implements, each one module under
 * server/services/methods/. A method listed in METHODS but not here is shown
 * as not available yet and cannot be turned on.
 */
export const AVAILABLE_METHODS = ['totp', 'hotp', 'recovery', 'webauthn', 'email', 'sms'] as const satisfies readonly Method[];
export type AvailableMethod = (typeof AVAILABLE_METHODS)[number];

export function isMethodAvailable(method: Method): method is AvailableMethod {
  return (AVAILABLE_METHODS as readonly Method[]).includes(method);
}

/** Methods whose codes Tessera sends (NIST SP 800-63B: restricted authenticators): a challenge step delivers them. */
export const DELIVERED_TYPES = ['email', 'sms'] as const satisfies readonly FactorType[];
export type DeliveredType = (typeof DELIVERED_TYPES)[number];

export function isDeliveredType(type: FactorType): type is DeliveredType {
  return (DELIVERED_TYPES as readonly FactorType[]).includes(type);
}
