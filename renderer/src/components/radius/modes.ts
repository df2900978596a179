import type { RadiusMode } from '../../../../shared/schemas/radius';

/** How each RADIUS mode reads in the console. */
export const MODE_TEXT: Record<RadiusMode, { label: string; description: string }> = {
  code: {
    label: 'Code only',
    description: 'The password field holds the one-time code. Use it when the VPN checks the password itself (a second RADIUS server or LDAP).',
  },
  password_code: {
    label: 'Password + code',
    description:
      'The directory password, then the code: typed together (password then code, no space) or the password alone and the code when asked. Needs the directory set up.',
  },
  challenge: {
    label: 'Challenge',
    description: 'The first request is answered with a prompt for the code (emailed or texted then to users with such a factor).',
  },
};

export const MODES: RadiusMode[] = ['code', 'password_code', 'challenge'];

/** 24 random bytes as base64url: 32 printable characters, well past the 16 the schema asks for. */
export function generateSecret(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(24));
  return btoa(String.fromCharCode(...bytes))
    .replace(/\+/g, '-')
    .replace(/\//g, '_')
    .replace(/=+$/, '');
}
