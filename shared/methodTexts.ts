import { METHOD_LABELS, type FactorType, type Method } from './schemas/methods';

/**
 * What the console says about each method: its name, what it is, what
 * turning it off (or on) does, and, for a method not built yet, why it
 * cannot be turned on. One place, so a new method brings its words with it.
 */
export interface MethodText {
  /** Its name in the methods list and in messages: "Authenticator app (TOTP)". */
  label: string;
  /** What it is, in one line. */
  description: string;
  /** What stops working while it is off (said before an admin turns it off). */
  offEffect: string;
  /** What turning it on allows, for a method that asks first (one with a warning). */
  onEffect?: string;
  /** Why it is weaker than the others: a badge beside its name and a note under it. */
  warning?: { badge: string; title: string; text: string };
  /** Set while the method is not built yet (see AVAILABLE_METHODS): it cannot be turned on, and this says why. */
  notAvailable?: string;
}

export const METHOD_TEXTS: Record<Method, MethodText> = {
  totp: {
    label: METHOD_LABELS.totp,
    description: 'Six-digit codes from an authenticator app on the user’s phone, changing every 30 seconds.',
    offEffect: 'Codes from their authenticator apps are refused, and no one can enroll a new authenticator app.',
  },
  hotp: {
    label: METHOD_LABELS.hotp,
    description: 'Codes from a hardware token that moves on each time its button is pressed.',
    offEffect: 'Codes from their hardware tokens are refused, and no one can enroll a new token.',
  },
  recovery: {
    label: METHOD_LABELS.recovery,
    description: 'Ten single-use backup codes, for when a user has lost their device.',
    offEffect: 'Their recovery codes are refused, and no new recovery codes can be issued.',
  },
  webauthn: {
    label: METHOD_LABELS.webauthn,
    description: 'Hardware security keys and passkeys. Phishing-resistant: the strongest method here.',
    offEffect: 'Their security keys and passkeys are refused, and no one can register a new one.',
  },
  email: {
    label: METHOD_LABELS.email,
    description: 'A one-time code sent to the user’s email address.',
    offEffect: 'Email codes are no longer sent or accepted, and no one can enroll email.',
    onEffect: 'Users will be able to enroll an email address and receive codes by email.',
    warning: {
      badge: 'Weaker',
      title: 'Weaker than the other methods',
      text:
        'Email codes are not counted as an authentication factor by NIST SP 800-63B or OWASP ASVS level 3: a mailbox is often ' +
        'protected by the very password the code is meant to back up, and mail can be read in transit. Email is off by default; ' +
        'turn it on only for users who have no other way.',
    },
  },
  sms: {
    label: METHOD_LABELS.sms,
    description: 'A one-time code sent by text message to the user’s mobile phone, through your SMS gateway.',
    offEffect: 'Text-message codes are no longer sent or accepted, and no one can enroll a phone number.',
    onEffect: 'Users will be able to enroll a mobile number and receive codes by text message (each message may cost money).',
    warning: {
      badge: 'Weaker',
      title: 'Weaker than apps and keys',
      text:
        'NIST SP 800-63B calls SMS a restricted authenticator: numbers can be moved to an attacker’s SIM (SIM swap or port-out), ' +
        'and messages can be intercepted on the phone network. SMS is off by default; prefer an authenticator app or a security key, ' +
        'and keep SMS for users who have nothing else.',
    },
  },
};

/** A factor's kind as a user's factor list names it ("Authenticator app", not the method's longer label). */
export const FACTOR_TYPE_LABELS: Record<FactorType, string> = {
  totp: 'Authenticator app',
  hotp: 'HOTP token',
  webauthn: 'Security key',
  email: 'Email code',
  sms: 'Text message',
};

/** Enrolling an OTP factor in the console: the choice, the hint under it, and what "now works" names. */
export const OTP_ENROLL_TEXTS: Record<'totp' | 'hotp', { choice: string; hint: string; device: string }> = {
  totp: { choice: 'Authenticator app (TOTP)', hint: 'Codes change every 30 seconds. Works with every authenticator app.', device: 'The authenticator app' },
  hotp: { choice: 'Hardware token (HOTP)', hint: 'Codes advance each time the token’s button is pressed.', device: 'The HOTP token' },
};

/**
 * The note beside an OTP factor's parameters: which of them some apps and
 * tokens ignore. Per type, because an HOTP code has no period (it moves on
 * with each press), so its note never speaks of seconds.
 */
export const OTP_PARAMETER_NOTES: Record<'totp' | 'hotp', string> = {
  totp: 'Some apps (Google Authenticator among them) ignore the algorithm, digits and period in the QR code and always use SHA-1, 6 digits, 30 seconds.',
  hotp: 'Many tokens and apps support only SHA-1 and 6 digits, and some ignore the algorithm and digits in the QR code. An HOTP code does not expire with time: it moves on each time the button is pressed.',
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
