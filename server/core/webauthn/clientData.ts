/**
 * The parts of a WebAuthn response read before any cryptography: the client
 * data (type, challenge, origin) and the credential id. Pure; nothing here
 * trusts what it reads: the signature over the client data is checked later.
 */

/** Decodes unpadded base64url strictly; null for anything else (padding, other alphabets, stray bits). */
export function decodeBase64Url(text: string): Uint8Array | null {
  if (!/^[A-Za-z0-9_-]*$/.test(text) || text.length % 4 === 1) return null;
  const bytes = Buffer.from(text, 'base64url');
  // Re-encoding must give the input back, so two spellings of one id cannot both be accepted.
  if (bytes.toString('base64url') !== text) return null;
  return new Uint8Array(bytes);
}

export function encodeBase64Url(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('base64url');
}

export interface ClientData {
  type: string;
  challenge: string;
  origin: string;
  crossOrigin: boolean;
  topOrigin: string | null;
}

/** Parses `clientDataJSON` (base64url of UTF-8 JSON); null when it is not a WebAuthn client data object. */
export function parseClientData(clientDataJSON: string): ClientData | null {
  const bytes = decodeBase64Url(clientDataJSON);
  if (!bytes || bytes.length === 0) return null;
  let value: unknown;
  try {
    value = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
  } catch {
    return null;
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return null;
  const v = value as Record<string, unknown>;
  if (typeof v.type !== 'string' || typeof v.challenge !== 'string' || typeof v.origin !== 'string') return null;
  if (v.challenge.length === 0 || v.challenge.length > 512 || v.origin.length > 512) return null;
  return {
    type: v.type,
    challenge: v.challenge,
    origin: v.origin,
    crossOrigin: v.crossOrigin === true,
    topOrigin: typeof v.topOrigin === 'string' ? v.topOrigin : null,
  };
}

/** The largest credential id WebAuthn allows (§5.1.3). */
export const MAX_CREDENTIAL_ID_BYTES = 1023;

/** A credential id from its base64url text, or null when malformed or over 1023 bytes. */
export function parseCredentialId(text: string): Uint8Array | null {
  const bytes = decodeBase64Url(text);
  if (!bytes || bytes.length === 0 || bytes.length > MAX_CREDENTIAL_ID_BYTES) return null;
  return bytes;
}
