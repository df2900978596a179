/**
 * "Password + code" in one User-Password field (password_code mode): the
 * code is the LAST n characters, n being the digits of the user's own code
 * factors (TOTP/HOTP: 6 or 8). The longest length the field fits is tried
 * first, and only when those n characters are all digits and something is
 * left for the password. Null means the field is the password alone (the
 * code is then asked for by Access-Challenge).
 *
 * One bind per request, never a second guess at another split: each guess
 * would be a password attempt on the user's throttle. So a user whose
 * password itself ends in n digits must append the code (the field is split
 * there) — documented in the README.
 */
export function splitPasswordAndCode(field: string, codeLengths: readonly number[]): { password: string; code: string } | null {
  const lengths = [...new Set(codeLengths)].sort((a, b) => b - a);
  for (const n of lengths) {
    if (field.length <= n) continue;
    const code = field.slice(-n);
    if (/^\d+$/.test(code)) return { password: field.slice(0, -n), code };
  }
  return null;
}
