import type { Method } from '../../../../shared/schemas/methods';

/** What each method is, in one line, for the methods list. */
export const METHOD_DESCRIPTIONS: Record<Method, string> = {
  totp: 'Six-digit codes from an authenticator app on the user’s phone, changing every 30 seconds.',
  hotp: 'Codes from a hardware token that moves on each time its button is pressed.',
  recovery: 'Ten single-use backup codes, for when a user has lost their device.',
  webauthn: 'Hardware security keys and passkeys. Phishing-resistant: the strongest method here.',
  email: 'A one-time code sent to the user’s email address.',
};

/** What stops working while a method is off (the confirm dialog says it before an admin turns one off). */
export const METHOD_OFF_EFFECT: Record<Method, string> = {
  totp: 'Codes from their authenticator apps are refused, and no one can enroll a new authenticator app.',
  hotp: 'Codes from their hardware tokens are refused, and no one can enroll a new token.',
  recovery: 'Their recovery codes are refused, and no new recovery codes can be issued.',
  webauthn: 'Their security keys and passkeys are refused, and no one can register a new one.',
  email: 'Email codes are no longer sent or accepted, and no one can enroll email.',
};

/** How many users rely on a method: "3 users rely on it", "1 user has unused recovery codes". */
export function relyText(users: number, method: Method): string {
  const n = users.toLocaleString('en');
  if (method === 'recovery') {
    if (users === 0) return 'No user has unused recovery codes';
    return users === 1 ? '1 user has unused recovery codes' : `${n} users have unused recovery codes`;
  }
  if (users === 0) return 'No user relies on it';
  return users === 1 ? '1 user relies on it' : `${n} users rely on it`;
}
