import { z } from 'zod';

/** Second-factor methods Tessera knows. Each can be turned off globally. */
export const METHODS = ['totp', 'hotp', 'recovery', 'webauthn', 'email'] as const;
export const Method = z.enum(METHODS);
export type Method = z.infer<typeof Method>;

/** Factor types stored per user (recovery codes are a set, not a factor row). */
export const FACTOR_TYPES = ['totp', 'hotp', 'webauthn', 'email'] as const;
export const FactorType = z.enum(FACTOR_TYPES);
export type FactorType = z.infer<typeof FactorType>;

export const METHOD_LABELS: Record<Method, string> = {
  totp: 'Authenticator app (TOTP)',
  hotp: 'Counter-based token (HOTP)',
  recovery: 'Recovery codes',
  webauthn: 'Security key or passkey',
  email: 'Email code',
};

/**
 * The methods this release implements, each one module under
 * server/services/methods/. Any other method (email codes) is shown as not
 * available yet and cannot be turned on.
 */
export const AVAILABLE_METHODS = ['totp', 'hotp', 'recovery', 'webauthn'] as const satisfies readonly Method[];
export type AvailableMethod = (typeof AVAILABLE_METHODS)[number];

export function isMethodAvailable(method: Method): method is AvailableMethod {
  return (AVAILABLE_METHODS as readonly Method[]).includes(method);
}
