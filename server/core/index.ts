// The pure MFA core: no I/O, clock and randomness passed in. Re-exports only.
export * from './random';
export * from './otp/types';
export * from './otp/secret';
export * from './otp/totp';
export * from './otp/hotp';
export * from './otp/otpauthUri';
export * from './otp/codeInput';
export * from './recovery/recoveryCodes';
export * from './crypto/scryptHash';
export * from './crypto/seal';
export * from './passwords';
export * from './policy/throttle';
export * from './audit/canonicalJson';
export * from './audit/chain';
export * from './audit/checkpoint';
export * from './apiKeys';
export * from './tokens';
